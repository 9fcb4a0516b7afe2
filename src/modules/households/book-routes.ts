import type { FastifyInstance, FastifyReply } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { Static } from 'typebox'
import { csvStream, downloadResponse, sendDownload, xlsxBookStream } from '../../platform/export.js'
import { problemResponses } from '../../platform/schemas.js'
import { scoped } from '../../platform/work.js'
import { exportChildBook } from './book-service.js'
import { ChildBookQuery } from './schemas.js'

/** The household child book (Sổ theo dõi trẻ em), streamed as an officer prints it. */
export default async function householdBookRoutes(app: FastifyInstance) {
  const route = app.withTypeProvider<TypeBoxTypeProvider>()

  route.get(
    '/v1/households/child-book',
    {
      config: { permission: 'registry:export' },
      schema: {
        operationId: 'exportChildBook',
        tags: ['households'],
        summary: 'Export the household child book (Sổ theo dõi trẻ em) as XLSX or CSV (streamed)',
        description:
          'The children of the registry export, with its filters but the name search, laid out as the paper book: ' +
          'by ward, residential group and address, each household (head, address, residential group, poverty ' +
          'status on the day) followed by its children (date of birth, sex, ethnicity, schooling, disability, ' +
          'special-circumstance groups, risk, health insurance card, care and support, parents or caregivers, ' +
          'status), and the children recorded in no household after the households of their group. XLSX: a title ' +
          '(the ward, the day), households bold and shaded, children indented under them, dates as dd/mm/yyyy, the ' +
          'header kept in view and repeated on every page, landscape A4 as wide as the page. CSV: one row a child, ' +
          "its household's columns repeated. Vietnamese headers and values. Ethnicity, disability and the sensitive " +
          'groups only with registry:sensitive; streamed in constant memory; audited as an export (child.export).',
        querystring: ChildBookQuery,
        response: {
          200: downloadResponse('The book'),
          ...problemResponses(400, 401, 403),
        },
      },
    },
    async (request, reply: FastifyReply) => {
      // The binary response keeps the type provider from inferring the querystring; it is validated all the same.
      const query = request.query as Static<typeof ChildBookQuery>
      const file = await scoped(request, (work) => exportChildBook(work, query))
      return sendDownload(
        reply,
        file,
        file.format === 'csv'
          ? csvStream(file.headerRow, file.rows, 'dd/mm/yyyy')
          : xlsxBookStream('Sổ theo dõi trẻ em', file.headerRow, file.rows, file.layout),
      )
    },
  )
}
