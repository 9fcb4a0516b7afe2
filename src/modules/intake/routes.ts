import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'
import { problemResponses, ref } from '../../platform/schemas.js'
import { scoped } from '../../platform/work.js'
import { rulesLockAndNamedChildren } from '../incidents/repository.js'
import { IntakeBody, IntakeParams, IntakeReceiptSchema } from './schemas.js'
import { readIntake, recordIntake } from './service.js'

export default async function intakeRoutes(app: FastifyInstance) {
  const route = app.withTypeProvider<TypeBoxTypeProvider>()

  route.post(
    '/v1/intake/incidents',
    {
      config: { permission: 'incidents:intake', location: true, idempotent: true },
      schema: {
        operationId: 'createIntakeIncident',
        tags: ['incidents'],
        summary: 'For the hotline: record a report it received as an incident of the ward its address is in',
        description:
          'The 24-hour written report runs from `receivedAt`, the hotline’s receipt, which must not be in the future ' +
          'nor older than 7 days (422 receipt_too_old). The address is routed to a ward of today’s map: a residential ' +
          'group goes to its ward; a ward or group abolished in the 2025 reorganisation goes to its successor by the ' +
          'residential-group mapping, or to the ward’s only successor (422 ward_not_resolved when a split ward has no ' +
          'group). The incident is the ward’s like any other; the answer says where it went and when its report is ' +
          'due. Accepts Idempotency-Key: a retry answers with the first incident.',
        body: IntakeBody,
        response: {
          201: ref(IntakeReceiptSchema, 'Where the report went and when its written report is due'),
          ...problemResponses(400, 401, 403, 409, 422),
        },
      },
    },
    async (request, reply) => {
      const { row, receipt } = await scoped(request, (work) => recordIntake(work, request.body), {
        openWith: (scope) => rulesLockAndNamedChildren(scope, []),
      })
      reply.code(201).header('location', `/v1/intake/incidents/${row.id}`)
      return receipt
    },
  )

  route.get(
    '/v1/intake/incidents/:id',
    {
      config: { permission: 'incidents:intake' },
      schema: {
        operationId: 'getIntakeIncident',
        tags: ['incidents'],
        summary: 'For the hotline: where a report it recorded went, and when its written report is due',
        description: 'Only the incidents this client recorded; any other answers 404.',
        params: IntakeParams,
        response: { 200: ref(IntakeReceiptSchema, 'The receipt'), ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => scoped(request, (work) => readIntake(work, request.params.id)),
  )
}
