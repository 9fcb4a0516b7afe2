/**
 * Consents to processing a child's data, as scoped work (platform/work.ts): recorded, withdrawn, listed
 * with where each purpose stands today, and enforced — a reader without the authorities' own duty
 * (registry:statutory) reads only children whose information sharing is consented to; a sensitive value
 * written without consent to processing sensitive data is flagged in the answer.
 */
import type { Static } from 'typebox'
import { hasPermission, type Principal } from '../../platform/auth.js'
import { staleVersion } from '../../platform/concurrency.js'
import { HttpProblem, notFound, unprocessable } from '../../platform/problem.js'
import { refuse, type Refusal, type Work } from '../../platform/work.js'
import { getConsent, insertConsent, listConsents, withdrawConsentRow, type ConsentRow } from './consent-repository.js'
import {
  consentInForce,
  consentMethods,
  consentProblems,
  consentPurposes,
  consentStanding,
  earliestBirthDate,
  guardianRelationships,
  type ConsentParty,
  type ConsentProblem,
  type ConsentPurpose,
  type ConsentRecord,
  withdrawalProblems,
} from './consent-rules.js'
import { getChildRow, type ChildRow } from './repository.js'
import type { RegistryWarning } from './rules.js'
import type { CreateConsentBody, WithdrawConsentBody } from './schemas.js'
import { recordRevision, today } from './service.js'

/** Whether the caller processes records under the authorities' own duty, needing no consent to read them. */
export function processesUnderDuty(principal: Principal): boolean {
  return hasPermission(principal, 'registry:statutory')
}

/**
 * For list queries: the day a caller without the duty needs information sharing consented on (today,
 * never a date the caller chose), or undefined for a caller with it.
 */
export function sharingConsentDay(work: Work): string | undefined {
  return processesUnderDuty(work.principal) ? undefined : today(work)
}

function asRecord(row: ConsentRow): ConsentRecord {
  return {
    purpose: row.purpose as ConsentPurpose,
    party: row.party as ConsentParty,
    givenOn: row.givenOn,
    withdrawnOn: row.withdrawnOn,
  }
}

/** Where a purpose stands for a child on `on`, from its consents. */
function standingIn(rows: readonly ConsentRow[], child: ChildRow, purpose: ConsentPurpose, on: string) {
  return consentStanding(rows.map(asRecord), purpose, earliestBirthDate(child), on)
}

/** Where a purpose stands for a child today, from the consents on record. */
async function standingOf(work: Work, child: ChildRow, purpose: ConsentPurpose) {
  return standingIn(await listConsents(work.tx, child.id), child, purpose, today(work))
}

function toConsent(row: ConsentRow, on: string) {
  return {
    id: row.id,
    purpose: row.purpose as ConsentPurpose,
    party: row.party as ConsentParty,
    relationship: row.relationship as (typeof guardianRelationships)[number] | null,
    method: row.method as (typeof consentMethods)[number],
    documentReference: row.documentReference,
    givenOn: row.givenOn,
    withdrawnOn: row.withdrawnOn,
    inForceToday: consentInForce(row, on),
    version: row.version,
    createdAt: row.createdAt.toISOString(),
  }
}

function invalidConsent(problems: ConsentProblem[]): HttpProblem {
  return unprocessable(
    'invalid_consent',
    'The consent cannot be recorded.',
    problems.map((problem) => ({ location: 'body' as const, ...problem })),
  )
}

/**
 * A refusal (audited) when the caller lacks the duty and the child's guardian — and the child, from 7 —
 * has not consented to information sharing as of today; null when the caller may read the record.
 */
export async function sharingRefusal(work: Work, child: ChildRow, action: string): Promise<Refusal | null> {
  if (processesUnderDuty(work.principal)) return null
  const standing = await standingOf(work, child, 'information_sharing')
  if (standing.status === 'given') return null
  await work.audit({
    action,
    resourceType: 'child',
    resourceId: child.id,
    unitCode: child.wardCode,
    outcome: 'denied',
    details: {
      reason: 'consent_required',
      purpose: 'information_sharing',
      consentStatus: standing.status,
      missing: standing.missing,
    },
  })
  // Which consent is missing stays in the audit: `child` would tell the reader the child is 7 or more,
  // `withdrawn` that the family once consented.
  return refuse(
    new HttpProblem(
      403,
      'consent_required',
      'This record is shared with partner agencies only with the consent of the guardian, and of the child from 7.',
      { extensions: { purpose: 'information_sharing' } },
    ),
  )
}

/** The consents of a child in the caller's units, with where each purpose stands today; audited. */
export async function childConsents(work: Work, childId: string) {
  const child = await getChildRow(work.tx, work.scope, childId)
  if (!child) {
    await work.audit({ action: 'child.consents', resourceType: 'child', resourceId: childId, outcome: 'not_found' })
    return refuse(notFound('Child', childId))
  }
  const refusal = await sharingRefusal(work, child, 'child.consents')
  if (refusal) return refusal
  const rows = await listConsents(work.tx, childId)
  await work.audit({
    action: 'child.consents',
    resourceType: 'child',
    resourceId: childId,
    unitCode: child.wardCode,
    outcome: 'success',
    details: { count: rows.length },
  })
  const on = today(work)
  return {
    items: rows.map((row) => toConsent(row, on)),
    standing: consentPurposes.map((purpose) => standingIn(rows, child, purpose, on)),
  }
}

/** Records a consent as given on a day; the child's history lists it (without the form's reference). */
export async function addConsent(work: Work, childId: string, body: Static<typeof CreateConsentBody>) {
  const child = await getChildRow(work.tx, work.scope, childId)
  if (!child) throw notFound('Child', childId)
  const on = today(work)
  const relationship = body.relationship ?? null
  const problems = consentProblems({ ...body, relationship }, earliestBirthDate(child), on)
  if (problems.length > 0) throw invalidConsent(problems)
  const row = await insertConsent(work.tx, {
    childId,
    purpose: body.purpose,
    party: body.party,
    relationship,
    method: body.method,
    documentReference: body.documentReference ?? null,
    givenOn: body.givenOn,
    createdAt: work.now,
    createdBy: work.principal.id,
    updatedAt: work.now,
  })
  await recordRevision(work, child, {
    action: 'consent.add',
    changes: [{ field: 'consent', from: null, to: { purpose: row.purpose, party: row.party, givenOn: row.givenOn } }],
  })
  await work.audit({
    action: 'child.consent.add',
    resourceType: 'child',
    resourceId: childId,
    unitCode: child.wardCode,
    outcome: 'success',
    details: { consentId: row.id, purpose: row.purpose, party: row.party },
  })
  return toConsent(row, on)
}

/** Withdraws a consent from a day, at `expectedVersion`; a withdrawal stands and is not withdrawn again. */
export async function withdrawConsent(
  work: Work,
  childId: string,
  itemId: string,
  body: Static<typeof WithdrawConsentBody>,
  expectedVersion: number,
) {
  const child = await getChildRow(work.tx, work.scope, childId)
  const current = child ? await getConsent(work.tx, childId, itemId) : undefined
  if (!child || !current) throw notFound('Consent', itemId)
  if (current.version !== expectedVersion) throw staleVersion(current.version)
  if (current.withdrawnOn !== null)
    throw new HttpProblem(409, 'consent_already_withdrawn', `This consent was withdrawn on ${current.withdrawnOn}.`)
  const on = today(work)
  const problems = withdrawalProblems(current.givenOn, body.withdrawnOn, on)
  if (problems.length > 0) throw invalidConsent(problems)
  const updated = await withdrawConsentRow(work.tx, itemId, expectedVersion, {
    withdrawnOn: body.withdrawnOn,
    updatedAt: work.now,
  })
  if (!updated) throw staleVersion(current.version)
  await recordRevision(work, child, {
    action: 'consent.withdraw',
    changes: [{ field: 'consent.withdrawnOn', from: null, to: body.withdrawnOn }],
  })
  await work.audit({
    action: 'child.consent.withdraw',
    resourceType: 'child',
    resourceId: childId,
    unitCode: child.wardCode,
    outcome: 'success',
    details: { consentId: itemId, purpose: updated.purpose, party: updated.party },
  })
  return toConsent(updated, on)
}

/**
 * The flag on a write of sensitive values without consent to processing them: one warning per field
 * written (sensitive ones only), when the guardian (and the child, from 7) have not consented as of
 * today. The authorities' duty allows the write; the warning asks for the consent to be recorded. A
 * child just registered has no consents yet: `isNew` spares the lookup.
 */
export async function sensitiveDataWarnings(
  work: Work,
  child: ChildRow,
  fields: readonly string[],
  isNew = false,
): Promise<RegistryWarning[]> {
  if (fields.length === 0) return []
  const standing = isNew
    ? standingIn([], child, 'sensitive_data', today(work))
    : await standingOf(work, child, 'sensitive_data')
  if (standing.status === 'given') return []
  return fields.map((field) => ({
    code: 'sensitive_data_without_consent',
    field,
    message: `sensitive personal data recorded without consent in force (${standing.missing.join(' and ')}): record it under /consents`,
  }))
}
