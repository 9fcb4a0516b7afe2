import { createHmac, timingSafeEqual } from 'node:crypto'
import { isUnitInScope, unitsByParent, type Scope, type UnitNode } from '../../platform/scope.js'
import { localDateOf } from '../calendar/rules.js'
import { sensitiveChildFields } from '../children/history.js'
import { ageInYears, sensitiveGroupCodes } from '../children/rules.js'

/** Every event type the outbox carries; subscriptions and the feed filter on these. */
export const eventTypes = [
  'child.created',
  'child.updated',
  'incident.created',
  'incident.written_report.due_soon',
  'incident.written_report.overdue',
  'incident.step.overdue',
  'follow_up.due_soon',
  'follow_up.overdue',
  'referral.sent',
  'referral.accepted',
  'referral.declined',
  'referral.closed',
  'referral.overdue',
  'incidents.daily',
  'report.submitted',
  'report.approved',
  'report.returned',
  'assessment.decided',
  'import.completed',
  'calendar.expiring',
] as const

export type EventType = (typeof eventTypes)[number]

const knownTypes: ReadonlySet<string> = new Set(eventTypes)

export function isEventType(value: string): value is EventType {
  return knownTypes.has(value)
}

/** An outbox row as stored: `data` holds everything a fully entitled reader may see. */
export interface StoredEvent {
  id: number
  eventId: string
  type: string
  occurredAt: Date
  provinceCode: string
  wardCode: string
  residentialGroupCode: string | null
  resourceType: string
  resourceId: string
  data: Record<string, unknown>
}

/** Who an event is cut for: the feed's caller, or a subscription's owner as it is now. */
export interface EventReader {
  role: string
  permissions: ReadonlySet<string>
}

/** What one event looks like on the wire, in the feed and in a webhook body alike. */
export interface EventEnvelope {
  /** The event's own id: the same in the feed and in every delivery attempt, for deduplication. */
  id: string
  type: string
  occurredAt: string
  unit: { provinceCode: string; wardCode: string; residentialGroupCode: string | null }
  resource: { type: string; id: string | null }
  data: Record<string, unknown>
}

/**
 * City information systems receive aggregates, never a person (DESIGN: security and privacy), whatever
 * permissions their role may one day be given.
 */
const aggregateOnlyRoles: ReadonlySet<string> = new Set(['city_system'])

/**
 * Events about one child or one incident, and the counts of the children one import wrote. An
 * aggregate-only reader gets none of them: even cut to a ward, a kind, a sex and an age group, one
 * incident and its hour can point at a child in a small ward, and so can "2 children created" by a
 * ward's import at a given minute. City systems learn of incidents from `incidents.daily` instead, and of
 * the registry from the indicator tables.
 */
const recordTypes: ReadonlySet<string> = new Set(
  eventTypes.filter(
    (type) =>
      type.startsWith('child.') ||
      type.startsWith('incident.') ||
      type.startsWith('follow_up.') ||
      type.startsWith('referral.') ||
      type === 'import.completed',
  ),
)

/** Daily counts cut for city systems: every other reader has the events they are counted from. */
const aggregateTypes: ReadonlySet<string> = new Set(['incidents.daily'])

/** The event types a reader of this role may receive. */
export function typesReadableBy(role: string): readonly EventType[] {
  return aggregateOnlyRoles.has(role)
    ? eventTypes.filter((type) => !recordTypes.has(type))
    : eventTypes.filter((type) => !aggregateTypes.has(type))
}

interface Entitlements {
  /**
   * Children as individuals: names, ID numbers, dates of birth, record ids. Only for readers with the
   * authorities' own duty: an event cannot wait for each child's consent to sharing to be looked up.
   */
  registry: boolean
  /** Sensitive fields and the sensitive special-circumstance groups (d, đ, e, g, i, l, m, n). */
  registrySensitive: boolean
  /** Incident details without narratives or child identities. */
  incidents: boolean
  /** Narratives, perpetrator relations and the identities of the children involved. */
  incidentsSensitive: boolean
}

function entitlementsOf(reader: EventReader): Entitlements {
  const individuals = !aggregateOnlyRoles.has(reader.role)
  const has = (permission: string) => individuals && reader.permissions.has(permission)
  return {
    registry: has('registry:read') && has('registry:statutory'),
    registrySensitive: has('registry:read') && has('registry:statutory') && has('registry:sensitive'),
    incidents: has('incidents:read'),
    incidentsSensitive: has('incidents:read') && has('incidents:sensitive'),
  }
}

export const ageGroups = ['0-5', '6-10', '11-15', '16+'] as const

export function ageGroupOf(ageYears: unknown): (typeof ageGroups)[number] | null {
  if (typeof ageYears !== 'number' || !Number.isFinite(ageYears) || ageYears < 0) return null
  if (ageYears <= 5) return '0-5'
  if (ageYears <= 10) return '6-10'
  if (ageYears <= 15) return '11-15'
  return '16+'
}

/** Age at the event, from the exact date when the data has one, else from the birth year. */
function ageAt(data: Record<string, unknown>, occurredAt: Date): number | null {
  const onDate = localDateOf(occurredAt)
  if (typeof data.dateOfBirth === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(data.dateOfBirth))
    return ageInYears(data.dateOfBirth, onDate)
  if (typeof data.birthYear === 'number') return Number(onDate.slice(0, 4)) - data.birthYear
  return null
}

function pick(data: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  const picked: Record<string, unknown> = {}
  for (const key of keys) if (Object.hasOwn(data, key)) picked[key] = data[key]
  return picked
}

function records(value: unknown): Record<string, unknown>[] {
  return Array.isArray(value)
    ? value.filter((item): item is Record<string, unknown> => typeof item === 'object' && item !== null)
    : []
}

interface View {
  data: Record<string, unknown>
  /** The record the event is about, or null when the id alone would point at a person. */
  resourceId: string | null
  /** Residential groups are small: shown only to readers who may see individuals. */
  showGroup: boolean
}

/** The reader's view of an event, or null when the event is not one the reader may know of. */
type ViewRule = (event: StoredEvent, can: Entitlements) => View | null

const childFields = [
  'childId',
  'fullName',
  'personalId',
  'dateOfBirth',
  'birthYear',
  'birthDatePrecision',
  'sex',
  'wardCode',
  'residentialGroupCode',
  'groupCodes',
  'version',
  'source',
  'fields',
]

/** An update of sensitive fields only: not an event for a reader without registry:sensitive, even that it happened. */
function sensitiveOnly(data: Record<string, unknown>): boolean {
  return (
    Array.isArray(data.fields) &&
    data.fields.length > 0 &&
    data.fields.every((field) => sensitiveChildFields.has(String(field)))
  )
}

const childView: ViewRule = (event, can) => {
  if (!can.registrySensitive && sensitiveOnly(event.data)) return null
  if (!can.registry) {
    return {
      data: {
        wardCode: event.wardCode,
        sex: event.data.sex ?? null,
        ageGroup: ageGroupOf(ageAt(event.data, event.occurredAt)),
      },
      resourceId: null,
      showGroup: false,
    }
  }
  const data = pick(event.data, childFields)
  if (!can.registrySensitive) {
    if (Array.isArray(data.fields))
      data.fields = data.fields.filter((field) => !sensitiveChildFields.has(String(field)))
    if (Array.isArray(data.groupCodes))
      data.groupCodes = data.groupCodes.filter((code) => !sensitiveGroupCodes.has(String(code)))
  }
  return { data, resourceId: event.resourceId, showGroup: true }
}

const incidentFields = [
  'incidentId',
  'kind',
  'subKind',
  'wardCode',
  'emergency',
  'channel',
  'occurredAt',
  'detectedAt',
  'receivedAt',
  'injuryOutcome',
  'status',
  'writtenReportRequired',
  'writtenReportDueAt',
  'writtenReportSubmittedAt',
  'step',
  'dueAt',
  'overdueSince',
]
const incidentSensitiveFields = ['narrative', 'perpetratorRelation']
/** What a city system may know of an incident: what happened where, to how many children of which sex and age. */
const incidentAggregateFields = [
  'incidentId',
  'kind',
  'subKind',
  'wardCode',
  'emergency',
  'injuryOutcome',
  'writtenReportRequired',
  'writtenReportDueAt',
  'step',
  'dueAt',
  'overdueSince',
]

const incidentView: ViewRule = (event, can) => {
  const involved = records(event.data.children)
  const childCount = typeof event.data.childCount === 'number' ? event.data.childCount : involved.length
  if (!can.incidents) {
    return {
      data: {
        ...pick(event.data, incidentAggregateFields),
        childCount,
        children: involved.map((child) => ({ sex: child.sex ?? null, ageGroup: ageGroupOf(child.ageYears) })),
      },
      resourceId: event.resourceId,
      showGroup: false,
    }
  }
  const childKeys = can.incidentsSensitive
    ? ['childId', 'fullName', 'dateOfBirth', 'sex', 'ageYears']
    : ['sex', 'ageYears']
  return {
    data: {
      ...pick(event.data, can.incidentsSensitive ? [...incidentFields, ...incidentSensitiveFields] : incidentFields),
      childCount,
      children: involved.map((child) => pick(child, childKeys)),
    },
    resourceId: event.resourceId,
    showGroup: true,
  }
}

/**
 * A case's follow-up falling due: for readers of incidents only. It names the case, so a reader without
 * incidents:read gets nothing; there is nothing sensitive in it to cut (no note, no name).
 */
const followUpView: ViewRule = (event, can) =>
  can.incidents
    ? {
        data: pick(event.data, ['followUpId', 'incidentId', 'wardCode', 'kind', 'dueDate', 'dueAt', 'assigneeId']),
        resourceId: event.resourceId,
        showGroup: true,
      }
    : null

/**
 * A referral of a case to a provider, sent, answered, closed or overdue: for readers of incidents only. It
 * carries codes, ids and instants, never the child's name, the ask's note or the provider's feedback.
 */
const referralView: ViewRule = (event, can) =>
  can.incidents
    ? {
        data: pick(event.data, [
          'referralId',
          'incidentId',
          'providerId',
          'providerCode',
          'wardCode',
          'urgency',
          'services',
          'state',
          'sentAt',
          'dueAt',
          'overdueSince',
          'answeredOnTime',
          'declineReason',
        ]),
        resourceId: event.resourceId,
        showGroup: true,
      }
    : null

/** Reports, assessments and imports are about units and files, not people: every reader gets the same facts. */
const aggregateView =
  (fields: readonly string[]): ViewRule =>
  (event) => ({ data: pick(event.data, fields), resourceId: event.resourceId, showGroup: false })

const reportView = aggregateView([
  'reportId',
  'unitCode',
  'level',
  'periodCode',
  'state',
  'submissionNumber',
  'submittedAt',
  'firstSubmittedAt',
  'timeliness',
  'reviewedAt',
  'dueDate',
])
const assessmentView = aggregateView([
  'assessmentId',
  'wardCode',
  'year',
  'category',
  'state',
  'recognised',
  'totalScore',
  'criteriaSetId',
  'criteriaSetVersion',
  'decisionNumber',
  'decisionDate',
  'decisionAuthority',
])
const importView = aggregateView([
  'importId',
  'kind',
  'mode',
  'state',
  'dryRun',
  'rowsRead',
  'created',
  'updated',
  'unchanged',
  'rejected',
  'warnings',
])

/** One rule per type; a type without one is shown to nobody (fields are allow-listed, never block-listed). */
const viewRules: Record<EventType, ViewRule> = {
  'child.created': childView,
  'child.updated': childView,
  'incident.created': incidentView,
  'incident.written_report.due_soon': incidentView,
  'incident.written_report.overdue': incidentView,
  'incident.step.overdue': incidentView,
  'follow_up.due_soon': followUpView,
  'follow_up.overdue': followUpView,
  'referral.sent': referralView,
  'referral.accepted': referralView,
  'referral.declined': referralView,
  'referral.closed': referralView,
  'referral.overdue': referralView,
  'report.submitted': reportView,
  'report.approved': reportView,
  'report.returned': reportView,
  'assessment.decided': assessmentView,
  'import.completed': importView,
  'calendar.expiring': aggregateView(['year', 'coveredUntil', 'daysLeft']),
  'incidents.daily': aggregateView(['date', 'wardCode', 'kinds', 'total']),
}

/**
 * The event as this reader may see it, or null when its type is unknown (and so shown to nobody) or
 * not for this reader's role (a child's or an incident's own event, for a city system).
 */
export function eventView(event: StoredEvent, reader: EventReader): EventEnvelope | null {
  if (!isEventType(event.type) || !typesReadableBy(reader.role).includes(event.type)) return null
  const view = viewRules[event.type](event, entitlementsOf(reader))
  if (!view) return null
  return {
    id: event.eventId,
    type: event.type,
    occurredAt: event.occurredAt.toISOString(),
    unit: {
      provinceCode: event.provinceCode,
      wardCode: event.wardCode,
      residentialGroupCode: view.showGroup ? event.residentialGroupCode : null,
    },
    resource: { type: event.resourceType, id: view.resourceId },
    data: view.data,
  }
}

/** Does this subscription want this event: its type, in the units it covers. */
export function subscriptionWants(
  subscription: { eventTypes: readonly string[]; scope: Scope },
  event: { type: string; wardCode: string; residentialGroupCode: string | null },
): boolean {
  return (
    subscription.eventTypes.includes(event.type) &&
    isUnitInScope(subscription.scope, event.wardCode, event.residentialGroupCode)
  )
}

/**
 * The unit codes whose whole jurisdiction lies inside `scope`: a ward in it, a group in it or in one of
 * its wards, a district or province all of whose units are. A subscription may name only these.
 */
export function coveredUnits(tree: readonly UnitNode[], scope: Scope): Set<string> {
  if (scope.all) return new Set(tree.map((unit) => unit.code))
  const children = unitsByParent(tree)
  const wards = new Set(scope.wards)
  const groups = new Set(scope.groups)
  const memo = new Map<string, boolean>()
  const covered = (unit: UnitNode): boolean => {
    const known = memo.get(unit.code)
    if (known !== undefined) return known
    let result: boolean
    if (unit.level === 'ward') result = wards.has(unit.code)
    else if (unit.level === 'residential_group')
      result = groups.has(unit.code) || (!!unit.parentCode && wards.has(unit.parentCode))
    else {
      const below = children.get(unit.code) ?? []
      result = below.length > 0 && below.every(covered)
    }
    memo.set(unit.code, result)
    return result
  }
  return new Set(tree.filter(covered).map((unit) => unit.code))
}

/**
 * Moves the dispatch cursor over the events now visible after it. Event ids come from a sequence, and
 * a transaction that took an id may commit after one that took a later id: the cursor stops before
 * such a gap, and passes the gap right after it only once `frontGapFinal` says the id will never
 * commit (see `gapIsFinal`). Where transactions cannot overlap (the embedded database) every gap is final.
 */
export function advanceCursor(
  position: number,
  visibleIds: readonly number[],
  options: { frontGapFinal: boolean; allGapsFinal: boolean },
): { position: number; stoppedAtGap: boolean } {
  let reached = position
  for (const id of visibleIds) {
    if (id <= reached) continue
    // A gap further on has not been watched yet: it waits for its own turn at the front.
    if (id === reached + 1 || options.allGapsFinal || (options.frontGapFinal && reached === position)) {
      reached = id
      continue
    }
    return { position: reached, stoppedAtGap: true }
  }
  return { position: reached, stoppedAtGap: false }
}

/** The dispatcher's watch on the gap right after its cursor: what the database looked like when it was first seen. */
export interface GapWatch {
  /** The first transaction id not yet assigned when the gap was first seen (`pg_snapshot_xmax`). */
  xmax: number
  since: Date
}

/** A gap waited on this long is taken as final whatever the database says (a transaction left open that long is a fault). */
export const gapBackstopMs = 60 * 60 * 1000

/**
 * The id missing at the front is final (rolled back, or a value a conflict discarded) once every
 * transaction that was running when the gap was first seen has ended: the oldest transaction still
 * running now (`pg_snapshot_xmin`) is younger than all of them. The transaction that took the missing
 * id was one of them, since a later id had already committed.
 */
export function gapIsFinal(watch: GapWatch | null, oldestRunning: number, now: Date): boolean {
  if (!watch) return false
  return oldestRunning >= watch.xmax || now.getTime() - watch.since.getTime() >= gapBackstopMs
}

/**
 * How far a feed reader may safely go from `after`: over contiguous ids, and over gaps the dispatcher
 * has already found final (at or below its cursor); never past a gap that may still fill, so a reader
 * never skips an event that commits late.
 */
export function feedHorizon(
  after: number,
  visibleIds: readonly number[],
  finalUpTo: number,
  gapsAreFinal: boolean,
): number {
  let position = after
  for (const id of visibleIds) {
    if (id <= position) continue
    if (id === position + 1 || gapsAreFinal || id - 1 <= finalUpTo) position = id
    else break
  }
  return position
}

/** The bytes a signature covers: the event id, the timestamp and the exact body, dot-separated. */
function signedContent(eventId: string, timestamp: number, body: string): string {
  return `${eventId}.${timestamp}.${body}`
}

/**
 * The HMAC key a `whsec_` secret stands for, as Standard Webhooks defines it: the bytes its base64 encodes.
 * Secrets issued before 2026-12-06 are in the URL-safe alphabet, which Node's decoder reads as well.
 */
export function webhookKey(secret: string): Buffer {
  return Buffer.from(secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret, 'base64')
}

/** One Standard Webhooks signature: `v1,` and the base64 HMAC-SHA256 of the signed content. */
export function signWebhook(secret: string, eventId: string, timestamp: number, body: string): string {
  return `v1,${createHmac('sha256', webhookKey(secret))
    .update(signedContent(eventId, timestamp, body))
    .digest('base64')}`
}

/**
 * The signature receivers set up before Standard Webhooks check: `v1=` and the hex HMAC-SHA256 keyed by
 * the secret's text. A Standard Webhooks verifier skips it (its version is not `v1`).
 */
export function formerWebhookSignature(secret: string, eventId: string, timestamp: number, body: string): string {
  return `v1=${createHmac('sha256', secret)
    .update(signedContent(eventId, timestamp, body))
    .digest('hex')}`
}

/** A secret that signs a delivery, and whether its receiver also checks the former signature. */
export interface SigningSecret {
  secret: string
  former: boolean
}

/** The `webhook-signature` header: every signing secret's signature (two during a rotation), space-separated. */
export function webhookSignatureHeader(
  secrets: readonly SigningSecret[],
  eventId: string,
  timestamp: number,
  body: string,
): string {
  return secrets
    .flatMap(({ secret, former }) => [
      signWebhook(secret, eventId, timestamp, body),
      ...(former ? [formerWebhookSignature(secret, eventId, timestamp, body)] : []),
    ])
    .join(' ')
}

/**
 * The secrets that sign a delivery at `now`, opened with `open`: the current one, and the one a rotation
 * replaced until its day is over; each with whether its receiver also checks the former signature.
 */
export function signingSecrets(
  subscription: {
    secret: string
    previousSecret: string | null
    previousSecretUntil: Date | null
    formerSignatureSecret: 'current' | 'previous' | null
  },
  now: Date,
  open: (stored: string) => string,
): SigningSecret[] {
  const secrets = [{ secret: open(subscription.secret), former: subscription.formerSignatureSecret === 'current' }]
  const { previousSecret, previousSecretUntil } = subscription
  if (previousSecret !== null && previousSecretUntil !== null && now < previousSecretUntil)
    secrets.push({ secret: open(previousSecret), former: subscription.formerSignatureSecret === 'previous' })
  return secrets
}

/** How long a rotated-out secret keeps signing beside the new one: a day to deploy the new secret. */
export const secretRotationGraceMs = 24 * 3600 * 1000

const replayToleranceSeconds = 5 * 60

/**
 * What a receiver does (and what docs/webhooks.md shows): recompute the signature, compare in constant
 * time, and refuse a timestamp more than five minutes from its own clock (a replay).
 */
export function verifyWebhook(
  secret: string,
  headers: { id: string | undefined; timestamp: string | undefined; signature: string | undefined },
  body: string,
  now: Date,
): 'valid' | 'bad_signature' | 'stale' | 'missing_headers' {
  if (!headers.id || !headers.timestamp || !headers.signature || !/^\d{1,12}$/.test(headers.timestamp))
    return 'missing_headers'
  const timestamp = Number(headers.timestamp)
  const expected = Buffer.from(signWebhook(secret, headers.id, timestamp, body))
  const signatures = headers.signature.split(' ').map((candidate) => Buffer.from(candidate))
  const matches = signatures.some(
    (candidate) => candidate.length === expected.length && timingSafeEqual(candidate, expected),
  )
  if (!matches) return 'bad_signature'
  return Math.abs(now.getTime() / 1000 - timestamp) > replayToleranceSeconds ? 'stale' : 'valid'
}
