import multipart from '@fastify/multipart'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { Static } from 'typebox'
import { audit } from '../../platform/audit.js'
import { decodeCursor } from '../../platform/pagination.js'
import { HttpProblem, notFound } from '../../platform/problem.js'
import { problemResponses, ref } from '../../platform/schemas.js'
import { resolveScope } from '../../platform/scope.js'
import { createValidatorCompiler } from '../../platform/validation.js'
import { getClient, getUser } from '../users/repository.js'
import { jobKeyOf, processQueue, registerImportJobs } from './jobs.js'
import { describeFileError, ImportFileError, openImportFile, type OpenedFile } from './parse.js'
import { errorsCsv, fileColumns, importView, problemPage } from './report.js'
import { getImport, updateImport, type ImportRecord } from './repository.js'
import { scopeCovers } from './rules.js'
import { CreateImportQuery, ImportParams, ImportProblemsQuery, ImportRowPageSchema, ImportSchema } from './schemas.js'
import {
  actorOf,
  backgroundRowThreshold,
  backgroundWorkbookBytes,
  columnsOf,
  createImport,
  defaultSource,
  discardImport,
  failImport,
  processImport,
  stageFile,
  type ImportRuntime,
} from './service.js'
import { formatsByContentType, importBodyLimitBytes, receiveUpload } from './upload.js'

/** The problem a client gets for a file that cannot be imported at all. */
function fileProblem(error: ImportFileError): HttpProblem {
  return new HttpProblem(error.code === 'workbook_too_large' ? 413 : 422, error.code, error.message, {
    extensions: {
      ...(error.details.line !== undefined ? { line: error.details.line } : {}),
      ...(error.details.columns ? { columns: error.details.columns } : {}),
    },
    ...(error.code === 'missing_columns'
      ? {
          errors: (error.details.columns ?? []).map((column) => ({
            location: 'body' as const,
            pointer: '/',
            message: `column missing: ${column}`,
            code: 'missing_column',
          })),
        }
      : {}),
  })
}

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

  const backgroundWork = new Set<Promise<void>>()
  app.addHook('preClose', async () => {
    await Promise.allSettled([...backgroundWork])
  })

  /** Reads go through here: the import's creator, or a holder of imports:run over all the creator's units. */
  async function visibleImport(request: FastifyRequest, id: string, action: string): Promise<ImportRecord> {
    const principal = request.principal!
    const record = await getImport(app.database.db, id)
    let visible = false
    if (record) {
      if (record.principalKind === principal.kind && record.principalId === principal.id) visible = true
      else {
        const tree = await app.accounts.principals.unitTree()
        const db = app.database.db
        const creator =
          record.principalKind === 'client'
            ? await getClient(db, record.principalId)
            : await getUser(db, record.principalId)
        visible = creator !== undefined && scopeCovers(principal.scope, resolveScope(tree, creator.units), tree)
      }
    }
    await audit(app.database.db, request, {
      action,
      resourceType: 'import',
      resourceId: id,
      outcome: visible ? 'success' : 'not_found',
    })
    if (!visible || !record) throw notFound('Import', id)
    return record
  }

  const queryValidator = createValidatorCompiler([])

  route.post(
    '/v1/imports',
    {
      config: { permission: 'imports:run' },
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
      const principal = request.principal!
      const query = request.query
      const upload = await receiveUpload(request)
      const options = {
        kind: query.kind,
        format: upload.format,
        mode: query.mode ?? 'atomic',
        dryRun: query.dryRun ?? false,
        source: query.source ?? defaultSource(principal),
        fileName: upload.fileName,
      }
      const refuse = async (error: unknown): Promise<never> => {
        if (!(error instanceof ImportFileError)) throw error
        request.log.info({ importFile: describeFileError(error) }, 'import file refused')
        await audit(app.database.db, request, {
          action: 'import.refused',
          resourceType: 'import',
          outcome: 'failure',
          details: { kind: options.kind, format: options.format, code: error.code },
        })
        throw fileProblem(error)
      }
      // Until the background work takes them over, the file and the spooled upload are this request's to release.
      let handedOver = false
      let file: OpenedFile | undefined
      try {
        file = await openImportFile(options.kind, options.format, { path: upload.path }, columnsOf(options.kind)).catch(
          refuse,
        )
        const record = await createImport(runtime, principal, options)
        let goBackground: () => void = () => {}
        const background = new Promise<'background'>((resolve) => {
          goBackground = () => resolve('background')
        })
        if (options.format === 'xlsx' && upload.bytes > backgroundWorkbookBytes) goBackground()
        const staging = stageFile(runtime, record, file, (rowsRead) => {
          if (rowsRead > backgroundRowThreshold) goBackground()
        })
        const first = await Promise.race([
          staging.then(
            () => 'staged' as const,
            (error: unknown) => ({ error }),
          ),
          background,
        ])
        if (typeof first === 'object') {
          await discardImport(runtime, record.id)
          return await refuse(first.error)
        }
        if (first === 'staged') {
          const finished = await processImport(runtime, record.id, principal, { requestId: request.id })
          reply.code(201).header('location', `/v1/imports/${record.id}`)
          return await importView(app.database.db, finished)
        }
        handedOver = true
        const continuation = staging
          .then(
            () =>
              app.database.db.transaction(async (tx) => {
                await updateImport(tx, record.id, { state: 'queued' }, 'running')
                await app.jobs.send(
                  tx,
                  processQueue,
                  { importId: record.id, requestId: request.id },
                  { singletonKey: jobKeyOf(record.id) },
                )
              }),
            (error: unknown) => {
              const fileError =
                error instanceof ImportFileError
                  ? error
                  : new ImportFileError(
                      'unreadable_file',
                      'The file could not be read to the end.',
                      {},
                      { cause: error },
                    )
              request.log.info(
                { importId: record.id, importFile: describeFileError(fileError) },
                'import file refused while reading',
              )
              return failImport(
                runtime,
                record.id,
                { code: fileError.code, message: fileError.message },
                { actor: actorOf(principal), requestId: request.id },
              )
            },
          )
          .catch((error: unknown) =>
            request.log.error({ err: error, importId: record.id }, 'reading an import in the background failed'),
          )
          .finally(() => upload.discard())
        backgroundWork.add(continuation)
        void continuation.finally(() => backgroundWork.delete(continuation))
        reply.code(202).header('location', `/v1/imports/${record.id}`).header('retry-after', '2')
        return await importView(app.database.db, (await getImport(app.database.db, record.id)) ?? record)
      } finally {
        if (!handedOver) {
          file?.close()
          await upload.discard()
        }
      }
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
    async (request) => importView(app.database.db, await visibleImport(request, request.params.id, 'import.read')),
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
    async (request) => {
      const { limit = 50, cursor } = request.query
      const after = decodeCursor(cursor, ['integer'])
      const record = await visibleImport(request, request.params.id, 'import.read')
      return problemPage(
        app.database.db,
        record,
        await fileColumns(app.database.db, record),
        Number(after?.[0] ?? -1),
        limit,
      )
    },
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
      const record = await visibleImport(request, id, 'import.errors.export')
      reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="import-${record.id}-errors.csv"`)
        .header('cache-control', 'no-store')
      return reply.send(await errorsCsv(app.database.db, record))
    },
  )
}
