import multipart from '@fastify/multipart'
import type { FastifyInstance, FastifyReply } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { Static } from 'typebox'
import { problemResponses, ref } from '../../platform/schemas.js'
import { createValidatorCompiler } from '../../platform/validation.js'
import { importErrors, importProblemPage, readImport } from './access.js'
import { receiveImport, type Intake } from './intake.js'
import { registerImportJobs } from './jobs.js'
import { CreateImportQuery, ImportParams, ImportProblemsQuery, ImportRowPageSchema, ImportSchema } from './schemas.js'
import { backgroundRowThreshold, type ImportRuntime } from './service.js'
import { formatsByContentType, importBodyLimitBytes } from './upload.js'

const fileBody = (description: string, binary = false) => ({
  schema: { type: 'string', description, ...(binary ? { format: 'binary' } : {}) },
})

export default async function importRoutes(app: FastifyInstance) {
  const route = app.withTypeProvider<TypeBoxTypeProvider>()
  const runtime: ImportRuntime = {
    database: app.database,
    clock: app.clock,
    unitTree: () => app.accounts.principals.unitTree(),
    // Two batch transactions at a time keep PostgreSQL busy while this process plans the next batch.
    concurrency: app.database.kind === 'postgres' ? 2 : 1,
    batchSize: 1000,
  }
  registerImportJobs(app, runtime)

  // Only in this plugin: the file bodies arrive as streams, never buffered whole.
  app.addContentTypeParser(Object.keys(formatsByContentType), (_request, payload, done) => done(null, payload))
  await app.register(multipart, { limits: { fileSize: importBodyLimitBytes, files: 1, fields: 10 } })

  const intake: Intake = { runtime, jobs: app.jobs, background: new Set() }
  app.addHook('preClose', async () => {
    await Promise.allSettled([...intake.background])
  })

  const queryValidator = createValidatorCompiler([])

  route.post(
    '/v1/imports',
    {
      config: { permission: 'imports:run', location: true },
      // The body is a file stream, checked while it is read; the query is validated as everywhere.
      validatorCompiler: (routeSchema) => (routeSchema.httpPart === 'body' ? () => true : queryValidator(routeSchema)),
      schema: {
        operationId: 'createImport',
        tags: ['imports'],
        summary: 'Import children or households from a CSV, XLSX or NDJSON file',
        description:
          'The file is the body (text/csv, the XLSX media type or application/x-ndjson) or the `file` field of a multipart form; at most 200 MiB. ' +
          'CSV is UTF-8 with or without a byte-order mark, comma or semicolon separated; XLSX is read from its first sheet. ' +
          'Headers may be English or the Vietnamese ones the registry export writes. Rows are upserted by (source, externalId), or by `id` ' +
          'for rows of an export, so importing a file again changes nothing. Each row gets the registry’s own checks. ' +
          `Up to ${backgroundRowThreshold} rows the import runs now (201, with the report); larger files (and XLSX over 2 MiB) run in the ` +
          'background (202: follow Location for progress). A file that cannot be read at all (encoding, binary content, broken quoting, ' +
          'missing columns) is refused with 422 and nothing is stored.',
        querystring: CreateImportQuery,
        body: {
          content: {
            'text/csv': fileBody('the rows, a header first'),
            'application/x-ndjson': fileBody('one JSON object per line, keyed by the column names'),
            'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': fileBody(
              'a workbook; its first sheet is read',
              true,
            ),
            'multipart/form-data': {
              schema: {
                type: 'object',
                properties: {
                  file: { type: 'string', format: 'binary', description: 'the file (.csv, .xlsx or .ndjson)' },
                },
                required: ['file'],
              },
            },
          },
        },
        response: {
          201: ref(ImportSchema, 'Imported (or, for a dry run, checked): the report'),
          202: ref(ImportSchema, 'Accepted: the file is being imported in the background; Location shows progress'),
          ...problemResponses(400, 401, 403, 413, 415, 422),
        },
      },
    },
    async (request, reply) => {
      const { status, id, view } = await receiveImport(intake, request, request.query)
      reply.code(status).header('location', `/v1/imports/${id}`)
      if (status === 202) reply.header('retry-after', '2')
      return view
    },
  )

  route.get(
    '/v1/imports/:id',
    {
      config: { permission: 'imports:run' },
      schema: {
        operationId: 'getImport',
        tags: ['imports'],
        summary: 'An import: state, progress, counts and the rows with problems',
        description:
          'Visible to its creator and to holders of imports:run over all the creator’s units (a district officer sees a ward’s imports); ' +
          'any other import answers 404. The first 100 rows with problems are included; page through the rest with /problems.',
        params: ImportParams,
        response: { 200: ref(ImportSchema, 'The import'), ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => readImport(runtime, request, request.params.id),
  )

  route.get(
    '/v1/imports/:id/problems',
    {
      config: { permission: 'imports:run' },
      schema: {
        operationId: 'listImportProblems',
        tags: ['imports'],
        summary: 'The rows of an import that were rejected or imported with warnings, in file order',
        params: ImportParams,
        querystring: ImportProblemsQuery,
        response: {
          200: ref(ImportRowPageSchema, 'A page of rows with their problems'),
          ...problemResponses(400, 401, 403, 404),
        },
      },
    },
    async (request) => importProblemPage(runtime, request, request.params.id, request.query),
  )

  route.get(
    '/v1/imports/:id/errors.csv',
    {
      config: { permission: 'imports:run' },
      schema: {
        operationId: 'downloadImportErrors',
        tags: ['imports'],
        summary: 'The rejected rows as CSV, with an error column: fix them and import the file again',
        description:
          'The file’s own headers (Vietnamese or English) and an error column the import skips. Cells a spreadsheet would run as a ' +
          'formula are neutralised with a leading apostrophe, which the import removes again. Audited as an export.',
        params: ImportParams,
        response: {
          200: { description: 'The rejected rows', content: { 'text/csv': { schema: { type: 'string' } } } },
          ...problemResponses(400, 401, 403, 404),
        },
      },
    },
    async (request, reply: FastifyReply) => {
      const { id } = request.params as Static<typeof ImportParams>
      const { fileName, csv } = await importErrors(runtime, request, id)
      reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="${fileName}"`)
        .header('cache-control', 'no-store')
      return reply.send(csv)
    },
  )
}
