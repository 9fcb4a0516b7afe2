import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { requiredVersion, sendWithEtag } from '../../platform/concurrency.js'
import { problemResponses, ref } from '../../platform/schemas.js'
import { scoped } from '../../platform/work.js'
import {
  Dhis2DataValueSetSchema,
  Dhis2DryRunSchema,
  Dhis2ExportQuery,
  Dhis2MappingSchema,
  PutDhis2MappingBody,
} from './schemas.js'
import { dhis2DataValueSet, dhis2DryRun, dhis2Mapping, replaceDhis2Mapping } from './service.js'

const periodRules =
  'Values are computed over exactly the period’s window, never year to date: a quarter’s figures are that quarter’s, so ' +
  'DHIS2 can add quarters into half-years and years. Counts of what happened (incidents) add up; counts of what stands ' +
  '(children on the registry) are as of the period’s last day; distinct children and cases judged at the window’s end are ' +
  'posted for yearly periods only. Each ward of `unit` is posted at its org unit (DHIS2 adds the district up). A ' +
  'percentage is posted as its numerator and denominator, each to its data element. From a caller whose small counts are ' +
  'withheld, withheld cells are left out (DHIS2 holds no value for them), and only periods bounded by the reporting periods’ ' +
  'closing days are published (400 `invalid_window` lists those that are): the values are the cells of the period’s ' +
  'indicator table as published to that caller, and a data element whose breakdown crosses dimensions other than sex by ' +
  'age group is skipped (`breakdown_not_published`).'

export default async function dhis2Routes(app: FastifyInstance) {
  const route = app.withTypeProvider<TypeBoxTypeProvider>()

  route.get(
    '/v1/dhis2/mapping',
    {
      config: { permission: 'indicators:read' },
      schema: {
        operationId: 'getDhis2Mapping',
        tags: ['indicators'],
        summary:
          'The DHIS2 mapping: data set, attribute option combo, data elements, category option combos, org units',
        description: 'Empty until an administrator sets it. The ETag is what PUT needs in If-Match.',
        response: {
          200: ref(Dhis2MappingSchema, 'The mapping; ETag carries its version'),
          ...problemResponses(401, 403),
        },
      },
    },
    async (_request, reply) => {
      const body = await dhis2Mapping(app.database.db)
      return sendWithEtag(reply, body.version, body)
    },
  )

  route.put(
    '/v1/dhis2/mapping',
    {
      config: { permission: 'catalogues:manage' },
      schema: {
        operationId: 'replaceDhis2Mapping',
        tags: ['indicators'],
        summary: 'Set the DHIS2 mapping (replaces it whole; If-Match required)',
        description:
          'Every identifier is a DHIS2 UID (11 characters, a letter first). Each indicator names the data element of its ' +
          'numerator, of its denominator (a percentage needs one), and the breakdowns its category combination crosses; each ' +
          'breakdown cell its category option combo; each ward its org unit. 422 `invalid_dhis2_mapping` lists every problem ' +
          '(unknown indicator, unit or breakdown value, a breakdown the indicator does not offer, a UID used twice). Check the ' +
          'result against a period with the dry run. Audited.',
        body: PutDhis2MappingBody,
        response: {
          200: ref(Dhis2MappingSchema, 'The mapping as saved; ETag carries its version'),
          ...problemResponses(400, 401, 403, 412, 422, 428),
        },
      },
    },
    async (request, reply) => {
      const expected = requiredVersion(request)
      const body = await replaceDhis2Mapping(request, request.body, expected)
      return sendWithEtag(reply, body.version, body)
    },
  )

  route.get(
    '/v1/dhis2/data-value-sets',
    {
      config: { permission: 'indicators:read' },
      schema: {
        operationId: 'getDhis2DataValueSet',
        tags: ['indicators'],
        summary: 'A DHIS2 period’s values as a dataValueSets document, ready for POST /api/dataValueSets',
        description:
          `${periodRules} Values the mapping cannot place are left out: run the dry run first. 409 ` +
          '`dhis2_mapping_incomplete` while the mapping names no data set or attribute option combo. Audited.',
        querystring: Dhis2ExportQuery,
        response: {
          200: ref(Dhis2DataValueSetSchema, 'The data value set'),
          ...problemResponses(400, 401, 403, 409),
        },
      },
    },
    async (request) => scoped(request, (work) => dhis2DataValueSet(work, request.query)),
  )

  route.get(
    '/v1/dhis2/data-value-sets/dry-run',
    {
      config: { permission: 'indicators:read' },
      schema: {
        operationId: 'checkDhis2DataValueSet',
        tags: ['indicators'],
        summary: 'Dry run: every value of a DHIS2 period that cannot be posted, and why',
        description:
          `Computes the period as the export does and sends nothing. ${periodRules} Lists each gap (indicator without data ` +
          'element, percentage without a denominator data element, breakdown cell without a category option combo, ward ' +
          'without an org unit, no data set or attribute option combo) with the number of values it keeps out; `ready` is ' +
          'true when there is none. Audited.',
        querystring: Dhis2ExportQuery,
        response: {
          200: ref(Dhis2DryRunSchema, 'What the export would post and what it cannot'),
          ...problemResponses(400, 401, 403),
        },
      },
    },
    async (request) => scoped(request, (work) => dhis2DryRun(work, request.query)),
  )
}
