import type { FastifyInstance, FastifyReply } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { Static } from 'typebox'
import { csvStream, downloadResponse, sendDownload, xlsxStream } from '../../platform/export.js'
import { problemResponses } from '../../platform/schemas.js'
import { scoped } from '../../platform/work.js'
import { exportChildren } from './export-service.js'
import { ExportChildrenQuery } from './schemas.js'

/** The registry list as a spreadsheet, streamed. */
export default async function childExportRoutes(app: FastifyInstance) {
  const route = app.withTypeProvider<TypeBoxTypeProvider>()

  route.get(
    '/v1/children/export',
    {
      config: { permission: 'registry:export' },
      schema: {
        operationId: 'exportChildren',
        tags: ['children'],
        summary: 'Export the registry list as CSV or XLSX (streamed)',
        description:
          'The same filters as the list. Streamed row by row (constant memory on a million rows). Column headers in ' +
          'Vietnamese by default — the import reads them back. Cells that a spreadsheet would run as a formula are ' +
          'neutralised. Sensitive columns only with registry:sensitive. Audited as an export.',
        querystring: ExportChildrenQuery,
        response: {
          200: downloadResponse('The file'),
          ...problemResponses(400, 401, 403),
        },
      },
    },
    async (request, reply: FastifyReply) => {
      // The binary response keeps the type provider from inferring the querystring; it is validated all the same.
      const query = request.query as Static<typeof ExportChildrenQuery>
      const file = await scoped(request, (work) => exportChildren(work, query))
      return sendDownload(
        reply,
        file,
        file.format === 'csv'
          ? csvStream(file.headerRow, file.rows, file.layout.dates)
          : xlsxStream('Trẻ em', file.headerRow, file.rows, file.layout),
      )
    },
  )
}
