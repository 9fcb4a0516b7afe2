/**
 * One batch of staged rows, in one transaction: fetch what the rows refer to, plan every row, write the
 * plans (in a savepoint, so a dry run can roll them back and still meet every constraint a real run
 * would), record each row's outcome and add to the import's counters.
 */
import { randomUUID } from 'node:crypto'
import { TransactionRollbackError } from 'drizzle-orm'
import type { Tx } from '../../db/client.js'
import type { Principal } from '../../platform/auth.js'
import { relocateChildParts } from '../children/repository.js'
import { foldName, sensitiveGroupCodes } from '../children/rules.js'
import { isUniqueViolation } from '../../db/errors.js'
import { provinceOfUnit } from '../units/tree.js'
import type { FieldChange } from '../children/tables.js'
import {
  planChildRow,
  planHouseholdRow,
  readChildRow,
  readHouseholdRow,
  type ChildPlan,
  type HouseholdPlan,
  type PlanContext,
} from './plan.js'
import {
  addCounts,
  auditRecords,
  childrenById,
  childrenByKey,
  endMemberships,
  householdsById,
  householdsByKey,
  insertChildren,
  insertHouseholds,
  insertMemberships,
  insertRevisions,
  knownHouseholds,
  lookalikeKey,
  openMemberships,
  personalIdOwners,
  sameNameAndBirth,
  settleRows,
  updateChildren,
  updateHouseholds,
  type ClaimedRow,
  type Counts,
  type ImportRecord,
  type Lookalike,
  type SettledRow,
} from './repository.js'
import type { AuditActor } from '../../platform/audit.js'
import { rowError, type RowProblem } from './rules.js'

export interface BatchContext {
  record: ImportRecord
  principal: Principal
  actor: AuditActor
  plan: PlanContext
  now: Date
  requestId: string
}

/**
 * commit: write and keep. rollback: write in a savepoint and undo it (dry runs, and the first pass of an
 * atomic import), so the outcome is exactly what a real run would give. keepPending: leave rows that
 * would succeed pending for a later pass (only rejected rows are settled).
 */
export interface BatchMode {
  apply: 'commit' | 'rollback'
  keepPending: boolean
}

export interface BatchResult {
  counts: Required<Pick<Counts, 'rowsDone' | 'created' | 'updated' | 'unchanged' | 'rejected' | 'warnings'>>
  rejected: SettledRow[]
}

interface Planned<P> {
  row: ClaimedRow
  plan: P
  /** The row's key in its source, for a record it creates. */
  externalId: string | null
  /** The record the row creates (a new id) or changes; null when it is rejected before that is known. */
  recordId: string | null
  /** The version of the stored record the plan was made from: an update writes only over that one. */
  version: number
}

/** What a unique violation while writing a row means for the officer. */
function conflictProblem(error: unknown, kind: 'children' | 'households'): RowProblem | null {
  if (
    isUniqueViolation(error, kind === 'children' ? 'children_source_external_key' : 'households_source_external_key')
  ) {
    return rowError(
      'externalId',
      'external_id_taken',
      'a record with this source and externalId exists outside your units',
    )
  }
  if (isUniqueViolation(error, 'children_personal_id_key')) {
    return rowError(
      'personalId',
      'personal_id_taken',
      'another child is already registered with this personal ID number',
    )
  }
  return null
}

const changedMeanwhile = rowError(
  null,
  'changed_meanwhile',
  'the record was changed by someone else during the import; import the row again to apply it',
)

function rejectedAs<P>(item: Planned<P>, problem: RowProblem): Planned<P> {
  return { ...item, plan: { outcome: 'rejected', problems: [problem] } as P }
}

const writes = (item: Planned<{ outcome: string }>) =>
  item.plan.outcome === 'created' || item.plan.outcome === 'updated'

/**
 * Writes the plans in a savepoint (rolled back again for a dry run). A unique violation (a record
 * outside the importer's units holding the key, or a concurrent import) rolls the savepoint back and
 * retries row by row, so that only such a row is rejected. `write` returns the records it did not
 * update because they changed since they were read; those rows are rejected too.
 */
async function writeInSavepoint<P extends { outcome: string; problems: RowProblem[] }>(
  tx: Tx,
  planned: Planned<P>[],
  mode: BatchMode,
  kind: 'children' | 'households',
  write: (sp: Tx, planned: Planned<P>[]) => Promise<ReadonlySet<string>>,
): Promise<Planned<P>[]> {
  const attempt = async (items: Planned<P>[]): Promise<ReadonlySet<string>> => {
    let lost: ReadonlySet<string> = new Set()
    try {
      await tx.transaction(async (sp) => {
        lost = await write(sp, items)
        if (mode.apply === 'rollback') sp.rollback()
      })
    } catch (error) {
      if (!(error instanceof TransactionRollbackError)) throw error
    }
    return lost
  }
  const markLost = (item: Planned<P>, lost: ReadonlySet<string>) =>
    item.plan.outcome === 'updated' && item.recordId && lost.has(item.recordId)
      ? rejectedAs(item, changedMeanwhile)
      : item
  const writing = planned.filter(writes)
  if (writing.length === 0) return planned
  try {
    const lost = await attempt(writing)
    return planned.map((item) => markLost(item, lost))
  } catch (error) {
    if (!conflictProblem(error, kind)) throw error
  }
  const result: Planned<P>[] = []
  for (const item of planned) {
    if (!writes(item)) {
      result.push(item)
      continue
    }
    try {
      result.push(markLost(item, await attempt([item])))
    } catch (error) {
      const problem = conflictProblem(error, kind)
      if (!problem) throw error
      result.push(rejectedAs(item, problem))
    }
  }
  return result
}

async function settle<P extends { outcome: string; problems: RowProblem[] }>(
  tx: Tx,
  context: BatchContext,
  planned: Planned<P>[],
  mode: BatchMode,
): Promise<BatchResult> {
  const counts = { rowsDone: 0, created: 0, updated: 0, unchanged: 0, rejected: 0, warnings: 0 }
  const settled: SettledRow[] = []
  for (const item of planned) {
    const outcome = item.plan.outcome as SettledRow['outcome']
    if (mode.keepPending && outcome !== 'rejected') continue
    counts.rowsDone++
    counts[outcome]++
    if (outcome !== 'rejected' && item.plan.problems.length > 0) counts.warnings++
    settled.push({
      row: item.row,
      outcome,
      problems: item.plan.problems,
      recordId: outcome === 'rejected' ? null : item.recordId,
    })
  }
  await settleRows(tx, context.record.id, settled, claimFor(mode))
  await addCounts(tx, context.record.id, counts)
  return { counts, rejected: settled.filter((row) => row.outcome === 'rejected') }
}

/** A pass that settles every row takes the rows as it claims them; one that keeps rows pending locks them. */
export const claimFor = (mode: BatchMode): 'take' | 'lock' => (mode.keepPending ? 'lock' : 'take')

const revisionReason = (context: BatchContext) => `imported from a file (import ${context.record.id})`

// ---------------------------------------------------------------------------------------------
// Children

export async function processChildBatch(
  tx: Tx,
  rows: readonly ClaimedRow[],
  context: BatchContext,
  mode: BatchMode,
): Promise<BatchResult> {
  const { plan: planContext, record } = context
  const scope = context.principal.scope
  const inputs = rows.map((row) => readChildRow(row.data, planContext))
  const ids = new Set<string>()
  const externalIds = new Set<string>()
  for (const input of inputs) {
    if (input.key.id) ids.add(input.key.id)
    else if (input.key.externalId) externalIds.add(input.key.externalId)
  }
  // One connection per transaction: the lookups run one after the other.
  const byId = new Map((await childrenById(tx, scope, [...ids])).map((child) => [child.id, child]))
  const byKey = new Map(
    (await childrenByKey(tx, scope, record.source, [...externalIds])).map((child) => [child.externalId!, child]),
  )
  const stored = inputs.map((input) =>
    input.key.id ? byId.get(input.key.id) : input.key.externalId ? byKey.get(input.key.externalId) : undefined,
  )
  const live = stored.map((child) => (child && !child.deletedAt ? child : null))
  const candidates: Lookalike[] = []
  const candidateOf = inputs.map((input, index) => {
    const { fullName, wardCode } = input.fields
    if (
      live[index] ||
      stored[index] ||
      !fullName ||
      !wardCode ||
      input.birth?.precision !== 'exact' ||
      !input.birth.dateOfBirth
    )
      return null
    const candidate = { nameFolded: foldName(fullName), dateOfBirth: input.birth.dateOfBirth, wardCode }
    candidates.push(candidate)
    return candidate
  })
  const owners = await personalIdOwners(tx, scope, [
    ...new Set(inputs.map((input) => input.fields.personalId).filter((id): id is string => !!id)),
  ])
  const householdIds = inputs.map((input, index) =>
    input.fields.householdId && input.fields.householdId !== live[index]?.householdId ? input.fields.householdId : null,
  )
  const households = await knownHouseholds(tx, scope, [
    ...new Set(householdIds.filter((id): id is string => id !== null)),
  ])
  const withGroups = inputs.flatMap((input, index) => (input.groupCodes && live[index] ? [live[index].id] : []))
  const memberships = await openMemberships(tx, [...new Set(withGroups)], planContext.asOf)
  const lookalikes = await sameNameAndBirth(tx, scope, candidates)

  const planned: Planned<ChildPlan>[] = rows.map((row, index) => {
    const input = inputs[index]!
    const child = live[index] ?? null
    const candidate = candidateOf[index]
    const plan = planChildRow(
      input,
      row.data,
      {
        existing: child,
        deleted: !!stored[index]?.deletedAt,
        personalIdOwner: input.fields.personalId ? (owners.get(input.fields.personalId) ?? null) : null,
        householdKnown: householdIds[index] ? households.has(householdIds[index]) : false,
        memberships: child ? memberships.filter((membership) => membership.childId === child.id) : [],
        possibleDuplicate: candidate ? (lookalikes.get(lookalikeKey(candidate)) ?? null) : null,
      },
      planContext,
    )
    return {
      row,
      plan,
      externalId: input.key.externalId,
      recordId: child?.id ?? (plan.outcome === 'created' ? randomUUID() : null),
      version: child?.version ?? 1,
    }
  })
  const written = await writeInSavepoint(tx, planned, mode, 'children', (sp, items) =>
    writeChildren(sp, items, context),
  )
  return settle(tx, context, written, mode)
}

interface Unit {
  province_code: string
  ward_code: string
  residential_group_code: string | null
}

async function writeChildren(tx: Tx, items: Planned<ChildPlan>[], context: BatchContext): Promise<ReadonlySet<string>> {
  const { principal, now, requestId, plan: planContext, record } = context
  const stamp = now.toISOString()
  const inserts: Record<string, unknown>[] = []
  const updates: Record<string, unknown>[] = []
  type Follow = {
    childId: string
    unit: Unit
    action: string
    changes: FieldChange[]
    sensitive: boolean
    reason: string | null
  }
  const follows: Follow[] = []
  const memberships: { childId: string; values: Record<string, unknown> }[] = []
  const ended: { id: string; childId: string }[] = []
  const audits: (Parameters<typeof auditRecords>[4][number] & { childId: string })[] = []
  const reason = revisionReason(context)
  for (const item of items) {
    const { plan } = item
    if (plan.outcome !== 'created' && plan.outcome !== 'updated') continue
    const id = item.recordId!
    const next = plan.record
    const unit: Unit = {
      province_code: provinceOfUnit(planContext.tree, next.wardCode),
      ward_code: next.wardCode,
      residential_group_code: next.residentialGroupCode,
    }
    const values = {
      id,
      ...unit,
      street_address: next.streetAddress,
      household_id: next.householdId,
      full_name: next.fullName,
      date_of_birth: next.dateOfBirth,
      birth_year: next.birthYear,
      birth_date_precision: next.birthDatePrecision,
      sex: next.sex,
      ethnicity_code: next.ethnicityCode,
      personal_id: next.personalId,
      birth_registered: next.birthRegistered,
      schooling_status: next.schoolingStatus,
      has_disability: next.hasDisability,
      disability_note: next.disabilityNote,
      health_note: next.healthNote,
      created_at: stamp,
      updated_at: stamp,
      created_by: principal.id,
      updated_by: principal.id,
    }
    const changes: FieldChange[] = [...plan.changes]
    const fieldsChanged = plan.changes.length > 0 || plan.linksExternalId !== null
    if (plan.outcome === 'created') {
      inserts.push({ ...values, source: record.source, external_id: item.externalId })
      follows.push({
        childId: id,
        unit,
        action: 'create',
        changes,
        sensitive: false,
        reason: null,
      })
    } else if (fieldsChanged) {
      if (plan.linksExternalId) changes.push({ field: 'externalId', from: null, to: plan.linksExternalId })
      updates.push({
        ...values,
        source: plan.linksExternalId ? record.source : null,
        external_id: plan.linksExternalId,
        expected_version: item.version,
      })
      follows.push({ childId: id, unit, action: 'update', changes, sensitive: false, reason })
    }
    for (const groupCode of plan.groupsToStart) {
      memberships.push({
        childId: id,
        values: {
          child_id: id,
          ...unit,
          group_code: groupCode,
          start_date: plan.groupsSince,
          created_at: stamp,
          created_by: principal.id,
        },
      })
      follows.push({
        childId: id,
        unit,
        action: 'circumstance.add',
        changes: [{ field: 'circumstance', from: null, to: { kind: 'group', groupCode, startDate: plan.groupsSince } }],
        sensitive: sensitiveGroupCodes.has(groupCode),
        reason,
      })
    }
    for (const membership of plan.groupsToEnd) {
      ended.push({ id: membership.id, childId: id })
      follows.push({
        childId: id,
        unit,
        action: 'circumstance.update',
        changes: [
          { field: 'endDate', from: null, to: planContext.asOf },
          { field: 'endReason', from: null, to: 'import' },
        ],
        sensitive: sensitiveGroupCodes.has(membership.groupCode),
        reason,
      })
    }
    const groupsChanged = plan.groupsToStart.length + plan.groupsToEnd.length > 0
    audits.push({
      childId: id,
      action: plan.outcome === 'created' ? 'child.create' : 'child.update',
      resourceType: 'child',
      resourceId: id,
      unitCode: next.wardCode,
      details: {
        importId: record.id,
        ...(plan.outcome === 'updated'
          ? { fields: [...changes.map((change) => change.field), ...(groupsChanged ? ['groupCodes'] : [])] }
          : {}),
      },
    })
  }
  await insertChildren(tx, inserts)
  const versions = await updateChildren(tx, principal.scope, updates)
  const lost = new Set(updates.map((update) => update.id as string).filter((id) => !versions.has(id)))
  await relocateChildParts(tx, [...versions.keys()])
  const kept = <T extends { childId: string }>(list: T[]) =>
    lost.size === 0 ? list : list.filter((entry) => !lost.has(entry.childId))
  const storedVersion = new Map(items.map((item) => [item.recordId, item.version]))
  await insertMemberships(
    tx,
    kept(memberships).map((membership) => membership.values),
  )
  await endMemberships(
    tx,
    kept(ended).map((membership) => membership.id),
    planContext.asOf,
    now,
  )
  await insertRevisions(
    tx,
    kept(follows).map((follow) => ({
      child_id: follow.childId,
      ...follow.unit,
      version: versions.get(follow.childId) ?? storedVersion.get(follow.childId) ?? 1,
      action: follow.action,
      changes: follow.changes,
      sensitive: follow.sensitive,
      reason: follow.reason,
      changed_at: stamp,
      actor_id: principal.id,
      actor_name: principal.name,
      request_id: requestId,
    })),
  )
  await auditRecords(tx, context.actor, now, requestId, kept(audits))
  return lost
}

// ---------------------------------------------------------------------------------------------
// Households

export async function processHouseholdBatch(
  tx: Tx,
  rows: readonly ClaimedRow[],
  context: BatchContext,
  mode: BatchMode,
): Promise<BatchResult> {
  const { plan: planContext, record } = context
  const scope = context.principal.scope
  const inputs = rows.map((row) => readHouseholdRow(row.data))
  const ids = [...new Set(inputs.map((input) => input.key.id).filter((id): id is string => !!id))]
  const externalIds = [
    ...new Set(
      inputs
        .filter((input) => !input.key.id)
        .map((input) => input.key.externalId)
        .filter((id): id is string => !!id),
    ),
  ]
  const byId = new Map((await householdsById(tx, scope, ids)).map((household) => [household.id, household]))
  const byKey = new Map(
    (await householdsByKey(tx, scope, record.source, externalIds)).map((household) => [
      household.externalId!,
      household,
    ]),
  )
  const planned: Planned<HouseholdPlan>[] = rows.map((row, index) => {
    const input = inputs[index]!
    const existing = input.key.id
      ? byId.get(input.key.id)
      : input.key.externalId
        ? byKey.get(input.key.externalId)
        : undefined
    const live = existing && !existing.deletedAt ? existing : null
    const plan = planHouseholdRow(input, { existing: live, deleted: !!existing?.deletedAt }, planContext)
    return {
      row,
      plan,
      externalId: input.key.externalId,
      recordId: live?.id ?? (plan.outcome === 'created' ? randomUUID() : null),
      version: live?.version ?? 1,
    }
  })
  const written = await writeInSavepoint(tx, planned, mode, 'households', (sp, items) =>
    writeHouseholds(sp, items, context),
  )
  return settle(tx, context, written, mode)
}

async function writeHouseholds(
  tx: Tx,
  items: Planned<HouseholdPlan>[],
  context: BatchContext,
): Promise<ReadonlySet<string>> {
  const { principal, now, requestId, plan: planContext, record } = context
  const stamp = now.toISOString()
  const inserts: Record<string, unknown>[] = []
  const updates: Record<string, unknown>[] = []
  const audits: Parameters<typeof auditRecords>[4][number][] = []
  for (const item of items) {
    const { plan } = item
    if (plan.outcome !== 'created' && plan.outcome !== 'updated') continue
    const next = plan.record
    const values = {
      id: item.recordId,
      province_code: provinceOfUnit(planContext.tree, next.wardCode),
      ward_code: next.wardCode,
      residential_group_code: next.residentialGroupCode,
      street_address: next.streetAddress,
      head_name: next.headName,
      poverty_status: next.povertyStatus,
      poverty_from: next.povertyFrom,
      poverty_to: next.povertyTo,
      created_at: stamp,
      updated_at: stamp,
      created_by: principal.id,
      updated_by: principal.id,
    }
    if (plan.outcome === 'created') inserts.push({ ...values, source: record.source, external_id: item.externalId })
    else
      updates.push({
        ...values,
        source: plan.linksExternalId ? record.source : null,
        external_id: plan.linksExternalId,
        expected_version: item.version,
      })
    audits.push({
      action: plan.outcome === 'created' ? 'household.create' : 'household.update',
      resourceType: 'household',
      resourceId: item.recordId!,
      unitCode: next.wardCode,
      details: {
        importId: record.id,
        ...(plan.outcome === 'updated'
          ? { fields: [...plan.changedFields, ...(plan.linksExternalId ? ['externalId'] : [])] }
          : {}),
      },
    })
  }
  await insertHouseholds(tx, inserts)
  const written = await updateHouseholds(tx, principal.scope, updates)
  const lost = new Set(updates.map((update) => update.id as string).filter((id) => !written.has(id)))
  await auditRecords(
    tx,
    context.actor,
    now,
    requestId,
    audits.filter((entry) => !lost.has(entry.resourceId)),
  )
  return lost
}
