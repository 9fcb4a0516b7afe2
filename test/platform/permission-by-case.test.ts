import { readFileSync } from 'node:fs'
import t from 'tap'
import { describePermissionByCase, permissionFor, type PermissionByCase } from '../../src/platform/permissions.js'

t.test('a table of permissions by case reads as one sentence, cases grouped by permission', async (t) => {
  const cases: [PermissionByCase<string>, string][] = [
    [
      {
        decidedBy: 'the report’s unit level',
        byCase: { ward: 'reports:write', district: 'reports:review', province: 'reports:review' },
      },
      'Further, by the report’s unit level: `reports:write` (ward); `reports:review` (district, province).',
    ],
    [
      { decidedBy: 'the step recorded', byCase: { receipt: 'incidents:write' } },
      'Further, by the step recorded: `incidents:write` (receipt).',
    ],
    [
      { decidedBy: 'the side', byCase: { ward: 'assessments:write', district: 'assessments:appraise' } },
      'Further, by the side: `assessments:write` (ward); `assessments:appraise` (district).',
    ],
  ]
  for (const [rule, sentence] of cases) t.equal(describePermissionByCase(rule), sentence, rule.decidedBy)
  const levels: PermissionByCase<'ward' | 'district'> = {
    decidedBy: 'the level',
    byCase: { ward: 'reports:write', district: 'reports:review' },
  }
  t.equal(permissionFor(levels, 'ward'), 'reports:write')
  t.equal(permissionFor(levels, 'district'), 'reports:review')
})

type Operation = {
  operationId: string
  description?: string
  'x-permission': string
  'x-permission-by-case'?: PermissionByCase<string>
}

t.test('the contract names every permission a write needs, from the table its handler enforces', async (t) => {
  const document = JSON.parse(readFileSync('openapi/openapi.json', 'utf8')) as {
    paths: Record<string, Record<string, Operation>>
  }
  const declared = new Map<string, Operation>()
  for (const [path, methods] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(methods)) {
      const name = `${method.toUpperCase()} ${path}`
      const byCase = operation['x-permission-by-case']
      if (byCase) {
        declared.set(operation.operationId, operation)
        t.ok(
          operation.description?.endsWith(describePermissionByCase(byCase)),
          `${name}: its description ends with the table's sentence`,
        )
      }
      // A write gated at the route by a read permission needs more, which the contract must say.
      if (['post', 'put', 'patch', 'delete'].includes(method) && operation['x-permission'].endsWith(':read'))
        t.ok(byCase, `${name} (route permission ${operation['x-permission']}) declares what it further needs`)
    }
  }
  t.same(
    [...declared.keys()].sort(),
    ['createReport', 'recordCaseStep', 'scoreAssessmentCriterion', 'submitReport', 'updateReport'],
    'the five writes that decide their permission per request',
  )
  t.match(declared.get('recordCaseStep')?.['x-permission-by-case'], {
    byCase: { plan_approval: 'plans:approve', closure: 'plans:approve', monitoring: 'incidents:write' },
  })
  t.match(
    declared.get('createReport')?.description,
    /`reports:write` \(ward\); `reports:review` \(district, province, ward_group\)/,
  )
})
