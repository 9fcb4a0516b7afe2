import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { requiredVersion, sendWithEtag } from '../../platform/concurrency.js'
import { problemResponses, ref } from '../../platform/schemas.js'
import { CaseStepRulesSchema, PutCaseStepRulesBody } from './schemas.js'
import { caseStepRules, publishCaseStepRules } from './step-rules.js'

export default async function caseStepRuleRoutes(app: FastifyInstance) {
  const route = app.withTypeProvider<TypeBoxTypeProvider>()

  route.get(
    '/v1/rules/case-steps',
    {
      config: { permission: 'reference:read' },
      schema: {
        operationId: 'getCaseStepRules',
        tags: ['incidents'],
        summary:
          'The case rules in force (Decree 56 step deadlines, the 24-hour written-report duty’s kinds), with every earlier version (ETag)',
        description:
          'Each step with a deadline counted from the receipt of the report, in hours or working days, and whether the ' +
          'figure is confirmed against the legal text; the incident kinds the written-report duty covers (district plan, ' +
          'section V). A case is held to the version in force on the day it was received.',
        response: {
          200: ref(CaseStepRulesSchema, 'The version in force and the history'),
          ...problemResponses(401, 403),
        },
      },
    },
    async (_request, reply) => {
      const rules = await caseStepRules(app.database.db)
      return sendWithEtag(reply, rules.version, rules)
    },
  )

  route.put(
    '/v1/rules/case-steps',
    {
      config: { permission: 'catalogues:manage' },
      schema: {
        operationId: 'putCaseStepRules',
        tags: ['incidents'],
        summary: 'Publish a corrected version of the case rules from a date (If-Match required)',
        description:
          'A new version with its effective date (from tomorrow, Hanoi time, and no earlier than the version in force took ' +
          'effect) and legal basis; every step with a deadline needs its rule, and `writtenReportKinds` (left out: unchanged) ' +
          'names known kinds once each (422 `invalid_step_rules`). Cases received from that date are held to it, earlier ' +
          'ones keep their deadlines and whether the written report is required of them. Audited.',
        body: PutCaseStepRulesBody,
        response: {
          200: ref(CaseStepRulesSchema, 'The new version in force'),
          ...problemResponses(400, 401, 403, 412, 422, 428),
        },
      },
    },
    async (request, reply) => {
      const rules = await publishCaseStepRules(request, request.body, requiredVersion(request))
      return sendWithEtag(reply, rules.version, rules)
    },
  )
}
