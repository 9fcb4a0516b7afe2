import { createHmac } from 'node:crypto'
import { Webhook } from 'standardwebhooks'
import t from 'tap'
import {
  advanceCursor,
  ageGroupOf,
  coveredUnits,
  eventTypes,
  eventView,
  typesReadableBy,
  feedHorizon,
  formerWebhookSignature,
  gapBackstopMs,
  gapIsFinal,
  secretRotationGraceMs,
  signingSecrets,
  signWebhook,
  subscriptionWants,
  verifyWebhook,
  webhookKey,
  webhookSignatureHeader,
  type EventReader,
  type StoredEvent,
} from '../../../src/modules/webhooks/rules.js'
import type { UnitNode } from '../../../src/platform/scope.js'

const roles: Record<string, EventReader> = {
  ward_officer: {
    role: 'ward_officer',
    permissions: new Set([
      'registry:read',
      'registry:sensitive',
      'registry:statutory',
      'incidents:read',
      'incidents:sensitive',
      'events:read',
    ]),
  },
  agency_viewer: { role: 'agency_viewer', permissions: new Set(['registry:read', 'incidents:read', 'events:read']) },
  collaborator: {
    role: 'collaborator',
    permissions: new Set(['registry:read', 'registry:statutory', 'events:read']),
  },
  reports_only: { role: 'reports_reader', permissions: new Set(['reports:read', 'events:read']) },
  city_system: { role: 'city_system', permissions: new Set(['reports:read', 'indicators:read', 'events:read']) },
  // However a city system's role were extended, it still gets aggregates only.
  city_system_overgranted: {
    role: 'city_system',
    permissions: new Set([
      'registry:read',
      'registry:sensitive',
      'incidents:read',
      'incidents:sensitive',
      'events:read',
    ]),
  },
}

function stored(
  type: string,
  data: Record<string, unknown>,
  resource = { type: 'child', id: 'c0ffee00-0000-4000-8000-000000000001' },
): StoredEvent {
  return {
    id: 7,
    eventId: '5f0c0b8e-0000-4000-8000-00000000e001',
    type,
    occurredAt: new Date('2024-06-15T03:00:00Z'),
    provinceCode: '01',
    wardCode: '00301',
    residentialGroupCode: '00301-TDP02',
    resourceType: resource.type,
    resourceId: resource.id,
    data,
  }
}

const child = stored('child.created', {
  childId: 'c0ffee00-0000-4000-8000-000000000001',
  fullName: 'Trẻ Thử Nghiệm',
  personalId: '001218012345',
  dateOfBirth: '2018-05-10',
  birthYear: 2018,
  sex: 'female',
  wardCode: '00301',
  residentialGroupCode: '00301-TDP02',
  version: 1,
  groupCodes: ['a', 'l'],
  unexpected: 'never shown: not on the allow-list',
})

const personalFields = ['fullName', 'personalId', 'dateOfBirth', 'childId']

t.test(
  'child events: identities only for registry readers with the duty, sensitive groups only with registry:sensitive',
  async (t) => {
    const cases: [string, { identity: boolean; groups: string[] | undefined }][] = [
      ['ward_officer', { identity: true, groups: ['a', 'l'] }],
      ['collaborator', { identity: true, groups: ['a'] }],
      ['agency_viewer', { identity: false, groups: undefined }],
      ['reports_only', { identity: false, groups: undefined }],
    ]
    for (const [role, expected] of cases) {
      const view = eventView(child, roles[role]!)!
      for (const field of personalFields) t.equal(field in view.data, expected.identity, `${role}: ${field}`)
      t.equal(view.resource.id, expected.identity ? child.resourceId : null, `${role}: resource id`)
      t.equal(view.unit.residentialGroupCode, expected.identity ? '00301-TDP02' : null, `${role}: residential group`)
      t.same(view.data.groupCodes, expected.groups, `${role}: group codes`)
      t.notOk('unexpected' in view.data, `${role}: fields off the allow-list are dropped`)
      t.equal(view.id, child.eventId, `${role}: the event id is the same for everyone`)
    }
    t.same(
      eventView(child, roles.reports_only!)!.data,
      { wardCode: '00301', sex: 'female', ageGroup: '6-10' },
      'a reader without registry:read gets ward, sex and age group',
    )
    t.notMatch(
      JSON.stringify(eventView(child, roles.reports_only!)),
      /Trẻ|001218012345|2018/,
      'no name, ID number or birth date anywhere',
    )
    t.equal(eventView(child, roles.city_system!), null, 'a city system gets no child’s own event')
    t.equal(eventView(child, roles.city_system_overgranted!), null, 'whatever its role is granted')
  },
)

t.test('child updates: sensitive field names only with registry:sensitive', async (t) => {
  const updated = stored('child.updated', {
    childId: 'x',
    fields: ['fullName', 'healthNote', 'disabilityNote'],
    sex: 'male',
    birthYear: 2012,
  })
  t.same(eventView(updated, roles.ward_officer!)!.data.fields, ['fullName', 'healthNote', 'disabilityNote'])
  t.same(eventView(updated, roles.collaborator!)!.data.fields, ['fullName'])
  const sensitiveOnly = stored('child.updated', { childId: 'x', fields: ['ethnicityCode', 'healthNote'], sex: 'male' })
  t.ok(eventView(sensitiveOnly, roles.ward_officer!), 'an officer with the permission gets it')
  t.equal(eventView(sensitiveOnly, roles.collaborator!), null, 'an update of sensitive fields only is not sent at all')
  t.equal(eventView(sensitiveOnly, roles.agency_viewer!), null, 'nor in the anonymous form')
  t.equal(eventView(sensitiveOnly, roles.reports_only!), null)
  t.same(
    eventView(updated, roles.reports_only!)!.data,
    { wardCode: '00301', sex: 'male', ageGroup: '11-15' },
    'age from the birth year when there is no date',
  )
})

const incident = stored(
  'incident.created',
  {
    incidentId: 'inc-1',
    kind: 'violence',
    wardCode: '00301',
    emergency: true,
    occurredAt: '2024-06-14T20:00:00.000Z',
    writtenReportDueAt: '2024-06-15T20:00:00.000Z',
    narrative: 'synthetic narrative text',
    perpetratorRelation: 'synthetic relation',
    children: [
      { childId: 'c0ffee00-0000-4000-8000-000000000001', sex: 'female', ageYears: 6 },
      { childId: null, fullName: 'Chưa Đăng Ký', sex: 'male', ageYears: 13 },
    ],
  },
  { type: 'incident', id: 'inc-1' },
)

t.test('incident events: narratives and identities only with incidents:sensitive', async (t) => {
  const cases: [string, { narrative: boolean; identities: boolean; detail: boolean }][] = [
    ['ward_officer', { narrative: true, identities: true, detail: true }],
    ['agency_viewer', { narrative: false, identities: false, detail: true }],
    ['reports_only', { narrative: false, identities: false, detail: false }],
  ]
  for (const [role, expected] of cases) {
    const view = eventView(incident, roles[role]!)!
    const body = JSON.stringify(view)
    t.equal(body.includes('synthetic narrative'), expected.narrative, `${role}: narrative`)
    t.equal(body.includes('synthetic relation'), expected.narrative, `${role}: perpetrator relation`)
    t.equal(
      body.includes('c0ffee00') || body.includes('Chưa Đăng Ký'),
      expected.identities,
      `${role}: child identities`,
    )
    t.equal('occurredAt' in view.data, expected.detail, `${role}: exact time of the incident`)
    t.equal(view.data.childCount, 2, `${role}: the count is always there`)
    t.equal(view.resource.id, 'inc-1', `${role}: the incident id lets follow-up events be matched`)
  }
  for (const role of ['city_system', 'city_system_overgranted']) {
    t.equal(eventView(incident, roles[role]!), null, `${role}: no incident’s own event (incidents.daily instead)`)
  }
  t.same(eventView(incident, roles.reports_only!)!.data.children, [
    { sex: 'female', ageGroup: '6-10' },
    { sex: 'male', ageGroup: '11-15' },
  ])
  t.same(eventView(incident, roles.agency_viewer!)!.data.children, [
    { sex: 'female', ageYears: 6 },
    { sex: 'male', ageYears: 13 },
  ])
})

t.test('report, assessment and import events are the same for every reader, allow-listed', async (t) => {
  const cases: [string, Record<string, unknown>, Record<string, unknown>][] = [
    [
      'report.submitted',
      {
        reportId: 'r1',
        unitCode: '00301',
        periodCode: '2024-H1',
        state: 'submitted',
        timeliness: 'late',
        reviewComments: 'free text',
      },
      { reportId: 'r1', unitCode: '00301', periodCode: '2024-H1', state: 'submitted', timeliness: 'late' },
    ],
    [
      'assessment.decided',
      { assessmentId: 'a1', wardCode: '00301', year: 2024, recognised: true, totalScore: 930 },
      { assessmentId: 'a1', wardCode: '00301', year: 2024, recognised: true, totalScore: 930 },
    ],
    [
      'import.completed',
      { importId: 'i1', kind: 'children', created: 10, rejected: 2, fileName: 'danh-sach.xlsx' },
      { importId: 'i1', kind: 'children', created: 10, rejected: 2 },
    ],
  ]
  for (const [type, data, expected] of cases) {
    for (const [role, reader] of Object.entries(roles)) {
      const view = eventView(stored(type, data), reader)
      if (type === 'import.completed' && reader.role === 'city_system')
        t.equal(view, null, `${type} for ${role}: the children one import wrote are not counted for a city system`)
      else t.same(view!.data, expected, `${type} for ${role}`)
    }
  }
})

t.test('unknown event types are shown to nobody; every known type has a view', async (t) => {
  t.equal(eventView(stored('child.secretly_added', { fullName: 'x' }), roles.ward_officer!), null)
  for (const type of eventTypes) {
    t.ok(eventView(stored(type, {}), roles.ward_officer!) ?? eventView(stored(type, {}), roles.city_system!), type)
  }
  t.same(
    eventTypes.filter((type) => eventView(stored(type, {}), roles.ward_officer!) === null),
    ['incidents.daily'],
    'an officer gets every type but the daily counts cut for city systems',
  )
  t.same(
    eventTypes.filter((type) => eventView(stored(type, {}), roles.city_system!) !== null),
    typesReadableBy('city_system'),
    'a city system gets exactly the types it may subscribe to',
  )
  t.notOk(
    typesReadableBy('city_system').some((type) => type.startsWith('child.') || type.startsWith('incident.')),
    'none about one child or one incident',
  )
})

t.test('age groups', async (t) => {
  const cases: [unknown, string | null][] = [
    [0, '0-5'],
    [5, '0-5'],
    [6, '6-10'],
    [10, '6-10'],
    [11, '11-15'],
    [15, '11-15'],
    [16, '16+'],
    [-1, null],
    [null, null],
    ['7', null],
  ]
  for (const [age, group] of cases) t.equal(ageGroupOf(age), group, String(age))
})

t.test('a subscription wants events of its types in its units', async (t) => {
  const subscription = {
    eventTypes: ['child.created', 'incident.created'],
    scope: { all: false, wards: ['00301'], groups: ['00304-TDP01'] },
  }
  const cases: [string, string, string | null, boolean][] = [
    ['child.created', '00301', null, true],
    ['child.created', '00301', '00301-TDP02', true],
    ['child.updated', '00301', null, false],
    ['incident.created', '00304', '00304-TDP01', true],
    ['incident.created', '00304', '00304-TDP02', false],
    ['incident.created', '00304', null, false],
  ]
  for (const [type, wardCode, residentialGroupCode, wanted] of cases) {
    t.equal(
      subscriptionWants(subscription, { type, wardCode, residentialGroupCode }),
      wanted,
      `${type} in ${wardCode}/${residentialGroupCode}`,
    )
  }
})

t.test('covered units: a unit counts only when all of it lies within the scope', async (t) => {
  const tree: UnitNode[] = [
    { code: '01', level: 'province', parentCode: null },
    { code: '008', level: 'district', parentCode: '01' },
    { code: 'W1', level: 'ward', parentCode: '008' },
    { code: 'W2', level: 'ward', parentCode: '008' },
    { code: 'W1-G1', level: 'residential_group', parentCode: 'W1' },
    { code: 'W2-G1', level: 'residential_group', parentCode: 'W2' },
    { code: 'W2-G2', level: 'residential_group', parentCode: 'W2' },
    { code: '009', level: 'district', parentCode: '01' },
  ]
  const cases: [string, { all: boolean; wards: string[]; groups: string[] }, string[]][] = [
    ['everything', { all: false, wards: ['W1', 'W2'], groups: [] }, ['008', 'W1', 'W1-G1', 'W2', 'W2-G1', 'W2-G2']],
    ['one ward', { all: false, wards: ['W1'], groups: [] }, ['W1', 'W1-G1']],
    ['groups of a ward are not the ward', { all: false, wards: [], groups: ['W2-G1', 'W2-G2'] }, ['W2-G1', 'W2-G2']],
    ['nothing', { all: false, wards: [], groups: [] }, []],
    ['system', { all: true, wards: [], groups: [] }, tree.map((u) => u.code)],
  ]
  for (const [name, scope, expected] of cases) t.same([...coveredUnits(tree, scope)].sort(), expected.sort(), name)
})

t.test('the dispatch cursor stops before a gap, and passes the front one once it is final', async (t) => {
  const cases: [
    string,
    number[],
    { frontGapFinal: boolean; allGapsFinal: boolean },
    { position: number; stoppedAtGap: boolean },
  ][] = [
    ['nothing new', [], { frontGapFinal: false, allGapsFinal: false }, { position: 10, stoppedAtGap: false }],
    [
      'contiguous ids move it',
      [11, 12, 13],
      { frontGapFinal: false, allGapsFinal: false },
      { position: 13, stoppedAtGap: false },
    ],
    [
      'a gap that may still fill stops it',
      [12, 13],
      { frontGapFinal: false, allGapsFinal: false },
      { position: 10, stoppedAtGap: true },
    ],
    [
      'it moves up to a gap',
      [11, 13],
      { frontGapFinal: false, allGapsFinal: false },
      { position: 11, stoppedAtGap: true },
    ],
    [
      'a final front gap is passed, the next one waits its turn',
      [12, 13, 15, 16],
      { frontGapFinal: true, allGapsFinal: false },
      { position: 13, stoppedAtGap: true },
    ],
    [
      'the front gap only: one further on is not the watched one',
      [11, 13],
      { frontGapFinal: true, allGapsFinal: false },
      { position: 11, stoppedAtGap: true },
    ],
    [
      'on the embedded database every gap is final',
      [12, 15],
      { frontGapFinal: false, allGapsFinal: true },
      { position: 15, stoppedAtGap: false },
    ],
  ]
  for (const [name, ids, options, expected] of cases) t.same(advanceCursor(10, ids, options), expected, name)
})

t.test('a gap is final once every transaction running when it was seen has ended', async (t) => {
  const since = new Date('2024-06-15T03:00:00Z')
  const later = (ms: number) => new Date(since.getTime() + ms)
  const watch = { xmax: 1000, since }
  const cases: [string, typeof watch | null, number, Date, boolean][] = [
    ['not watched yet', null, 5000, later(1000), false],
    ['a transaction of that time still runs', watch, 999, later(1000), false],
    ['all of them have ended', watch, 1000, later(1000), true],
    ['an hour later whatever still runs (a transaction left open)', watch, 10, later(gapBackstopMs), true],
  ]
  for (const [name, watched, oldestRunning, now, expected] of cases)
    t.equal(gapIsFinal(watched, oldestRunning, now), expected, name)
})

t.test('the feed stops before a gap that may still fill', async (t) => {
  const cases: [string, number, number[], number, boolean, number][] = [
    ['contiguous', 0, [1, 2, 3], 0, false, 3],
    ['a gap above the dispatcher’s cursor', 0, [1, 2, 4], 2, false, 2],
    ['a gap the dispatcher found final', 0, [1, 2, 4, 5], 3, false, 5],
    ['nothing new', 5, [], 9, false, 5],
    ['the embedded database', 0, [2, 9], 0, true, 9],
  ]
  for (const [name, after, ids, finalUpTo, gapsAreFinal, expected] of cases)
    t.equal(feedHorizon(after, ids, finalUpTo, gapsAreFinal), expected, name)
})

t.test(
  'signatures: Standard Webhooks v1, HMAC-SHA256 over id.timestamp.body; stale or altered messages are refused',
  async (t) => {
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'
    const body = '{"id":"e1","type":"child.created"}'
    const signature = signWebhook(secret, 'e1', 1718420400, body)
    t.equal(
      signature,
      `v1,${createHmac('sha256', Buffer.from('MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'base64'))
        .update(`e1.1718420400.${body}`)
        .digest('base64')}`,
      'keyed by the bytes the secret encodes, in base64',
    )
    t.equal(
      signature,
      new Webhook(secret).sign('e1', new Date(1718420400 * 1000), body),
      'what the standardwebhooks package computes',
    )
    const now = new Date(1718420400 * 1000)
    const headers = { id: 'e1', timestamp: '1718420400', signature }
    const cases: [string, Parameters<typeof verifyWebhook>, string][] = [
      ['as sent', [secret, headers, body, now], 'valid'],
      [
        'several signatures, one good (key rotation)',
        [secret, { ...headers, signature: `v1,${'A'.repeat(44)} ${signature}` }, body, now],
        'valid',
      ],
      ['four minutes later', [secret, headers, body, new Date(now.getTime() + 240_000)], 'valid'],
      ['six minutes later: a replay', [secret, headers, body, new Date(now.getTime() + 360_000)], 'stale'],
      ['body altered', [secret, headers, body.replace('child', 'other'), now], 'bad_signature'],
      ['another event id', [secret, { ...headers, id: 'e2' }, body, now], 'bad_signature'],
      ['timestamp moved', [secret, { ...headers, timestamp: '1718420401' }, body, now], 'bad_signature'],
      ['wrong secret', ['whsec_b3RoZXI=', headers, body, now], 'bad_signature'],
      [
        'the former signature alone',
        [secret, { ...headers, signature: formerWebhookSignature(secret, 'e1', 1718420400, body) }, body, now],
        'bad_signature',
      ],
      ['no signature', [secret, { ...headers, signature: undefined }, body, now], 'missing_headers'],
    ]
    for (const [name, args, expected] of cases) t.equal(verifyWebhook(...args), expected, name)
  },
)

t.test('a secret issued in the URL-safe alphabet keys the same bytes as its standard spelling', async (t) => {
  const urlSafe = 'whsec_-_8AAQ-_'
  t.same(webhookKey(urlSafe), webhookKey('whsec_+/8AAQ+/'), 'a receiver may rewrite - and _ as + and /')
  t.same(webhookKey('whsec_AAEC'), Buffer.from([0, 1, 2]))
})

t.test(
  'the signature header: one signature per signing secret, the former one where its receiver checks it',
  async (t) => {
    const body = '{}'
    const [current, previous] = ['whsec_Y3VycmVudA==', 'whsec_cHJldmlvdXM=']
    const standard = (secret: string) => signWebhook(secret, 'e1', 100, body)
    const former = (secret: string) => formerWebhookSignature(secret, 'e1', 100, body)
    const cases: [string, { secret: string; former: boolean }[], string][] = [
      ['a subscription made since', [{ secret: current, former: false }], standard(current)],
      [
        'a subscription made before, not rotated',
        [{ secret: current, former: true }],
        `${standard(current)} ${former(current)}`,
      ],
      [
        'during a rotation',
        [
          { secret: current, former: false },
          { secret: previous, former: true },
        ],
        `${standard(current)} ${standard(previous)} ${former(previous)}`,
      ],
    ]
    for (const [name, secrets, expected] of cases)
      t.equal(webhookSignatureHeader(secrets, 'e1', 100, body), expected, name)

    const verifier = new Webhook(current)
    const realNow = Date.now
    Date.now = () => 100_000
    t.teardown(() => void (Date.now = realNow))
    const header = webhookSignatureHeader(
      [
        { secret: current, former: false },
        { secret: previous, former: true },
      ],
      'e1',
      100,
      body,
    )
    t.same(
      verifier.verify(body, { 'webhook-id': 'e1', 'webhook-timestamp': '100', 'webhook-signature': header }),
      {},
      'a Standard Webhooks verifier accepts the header, the former signature beside the standard ones',
    )
  },
)

t.test('which secrets sign: the current one, and the one a rotation replaced for its day', async (t) => {
  const rotatedAt = new Date('2026-12-06T08:00:00Z')
  const until = new Date(rotatedAt.getTime() + secretRotationGraceMs)
  const open = (stored: string) => `opened:${stored}`
  const never = { secret: 's2', previousSecret: null, previousSecretUntil: null, formerSignatureSecret: null }
  const rotated = { secret: 's2', previousSecret: 's1', previousSecretUntil: until, formerSignatureSecret: null }
  const cases: [string, Parameters<typeof signingSecrets>[0], Date, { secret: string; former: boolean }[]][] = [
    ['never rotated', never, rotatedAt, [{ secret: 'opened:s2', former: false }]],
    [
      'made before the standard signature',
      { ...never, formerSignatureSecret: 'current' },
      rotatedAt,
      [{ secret: 'opened:s2', former: true }],
    ],
    [
      'an hour after a rotation',
      rotated,
      new Date(rotatedAt.getTime() + 3_600_000),
      [
        { secret: 'opened:s2', former: false },
        { secret: 'opened:s1', former: false },
      ],
    ],
    [
      'the former signature under the old secret during its day',
      { ...rotated, formerSignatureSecret: 'previous' },
      new Date(until.getTime() - 1),
      [
        { secret: 'opened:s2', former: false },
        { secret: 'opened:s1', former: true },
      ],
    ],
    [
      'the day over',
      { ...rotated, formerSignatureSecret: 'previous' },
      until,
      [{ secret: 'opened:s2', former: false }],
    ],
  ]
  for (const [name, subscription, now, expected] of cases)
    t.same(signingSecrets(subscription, now, open), expected, name)
})
