import type { FastifyInstance } from 'fastify'
import type { Db } from '../../db/client.js'
import { renewLease } from '../webhooks/repository.js'
import { appendAudit, type AuditActor } from '../../platform/audit.js'
import { decodeCursor, encodeCursor, toPage } from '../../platform/pagination.js'
import { conflict, HttpProblem, notFound, unprocessable } from '../../platform/problem.js'
import { inScope, isUnitInScope, systemScope, type UnitNode } from '../../platform/scope.js'
import type { Work } from '../../platform/work.js'
import { localDateOf } from '../calendar/rules.js'
import { provinceOfUnit, rehomingTarget, successorsOf, type Home } from '../units/tree.js'
import {
  addToBatchCount,
  applyMoves,
  countsAt,
  destinationsOf,
  getBatch,
  insertBatch,
  insertMoves,
  markUndone,
  movesToUndo,
  recordAt,
  recordsAt,
  updateBatch,
  type BatchRow,
  type Move,
  type Mover,
} from './repository.js'
import { abolishedWards, claimProblems, previewOf, recordTypes, type Preview, type RecordType } from './rules.js'

const rehomeQueue = 'reform.rehome'
const undoQueue = 'reform.undo'
/** Records moved per transaction: large enough to amortise a round trip, small enough to hold few locks. */
const chunkSize = 2000

/** The abolished wards a re-homing covers: those asked for, each abolished and in the caller's units. */
function coveredWards(work: Work, tree: readonly UnitNode[], asked: readonly string[] | undefined): string[] {
  const today = localDateOf(work.now)
  const candidates = abolishedWards(tree, today).filter((code) => work.scope.all || work.scope.wards.includes(code))
  if (!asked) return candidates
  const unknown = asked.filter((code) => !candidates.includes(code))
  if (unknown.length > 0) {
    throw unprocessable(
      'not_abolished',
      'Only abolished wards with successors, in your units, can be re-homed.',
      unknown.map((code) => ({
        location: 'body' as const,
        pointer: '/wards',
        message: `${code} is not an abolished ward in your units`,
        code: 'not_abolished',
      })),
    )
  }
  return [...asked].sort()
}

export async function rehomingPreview(
  work: Work,
  asked: readonly string[] | undefined,
): Promise<Preview & { wards: string[] }> {
  const tree = await work.unitTree()
  const wards = coveredWards(work, tree, asked)
  const rows = wards.length === 0 ? [] : await countsAt(work.tx, wards)
  return { wards, ...previewOf(tree, rows, localDateOf(work.now)) }
}

/** Plans a re-homing (its preview is what it will move) and queues it with the change. */
export async function startRehoming(work: Work, asked: readonly string[] | undefined): Promise<BatchRow> {
  const preview = await rehomingPreview(work, asked)
  if (preview.wards.length === 0) {
    throw unprocessable('nothing_to_rehome', 'No abolished ward in your units has records to re-home.', [])
  }
  const batch = await insertBatch(work.tx, {
    predecessorCodes: preview.wards,
    state: 'running',
    planned: preview,
    createdBy: work.principal.id,
    requestId: work.request.id,
    createdAt: work.now,
  })
  await work.audit({
    action: 'rehoming.start',
    resourceType: 'rehoming',
    resourceId: batch.id,
    outcome: 'success',
    details: { wards: preview.wards, planned: preview.total },
  })
  await work.request.server.jobs.send(
    work.tx,
    rehomeQueue,
    { batchId: batch.id },
    { singletonKey: `rehome:${batch.id}` },
  )
  return batch
}

export async function readBatch(work: Work, id: string): Promise<BatchRow> {
  const batch = await getBatch(work.tx, id)
  if (!batch || !batch.predecessorCodes.every((code) => work.scope.all || work.scope.wards.includes(code))) {
    throw notFound('Re-homing', id)
  }
  return batch
}

export async function startUndo(work: Work, id: string): Promise<BatchRow> {
  const batch = await readBatch(work, id)
  if (batch.state !== 'done' && batch.state !== 'failed') {
    throw conflict('batch_not_finished', `A re-homing can be undone once it has finished; this one is ${batch.state}.`)
  }
  // Undoing moves records out of the wards they went to: the caller must hold every one of them.
  const outside = (await destinationsOf(work.tx, id)).filter((ward) => !isUnitInScope(work.scope, ward, null))
  if (outside.length > 0) throw notFound('Re-homing', id)
  const undoing = await updateBatch(
    work.tx,
    id,
    { state: 'undoing', undoneBy: work.principal.id, undoRequestId: work.request.id },
    batch.state,
  )
  if (!undoing) throw conflict('batch_changed', 'The re-homing changed meanwhile; read it again.')
  await work.audit({ action: 'rehoming.undo', resourceType: 'rehoming', resourceId: id, outcome: 'success' })
  await work.request.server.jobs.send(work.tx, undoQueue, { batchId: id }, { singletonKey: `undo:${id}` })
  return undoing
}

interface Runtime {
  db: Db
  now: () => Date
  tree: () => Promise<UnitNode[]>
  /** The account acting (the batch's starter, or whoever undoes it) as it is now; null when it can no longer act. */
  actor: (accountId: string) => Promise<AuditActor | null>
  /** Keeps the job's lease for another chunk; false when the job is no longer this worker's. */
  renew: () => Promise<boolean>
}

function moverOf(batch: BatchRow, actor: AuditActor, now: Date, action: Mover['action'] = 'rehome'): Mover {
  return action === 'rehome'
    ? { actorId: batch.createdBy, actorName: actor.name ?? '', requestId: batch.requestId, now, action }
    : {
        actorId: batch.undoneBy ?? batch.createdBy,
        actorName: actor.name ?? '',
        requestId: batch.undoRequestId ?? batch.requestId,
        now,
        action,
      }
}

async function auditMoves(
  db: Parameters<typeof appendAudit>[0],
  batch: BatchRow,
  actor: AuditActor,
  recordType: RecordType,
  moves: readonly Move[],
  action: 'rehome' | 'rehome_undo',
  now: Date,
): Promise<void> {
  await appendAudit(
    db,
    moves.map((move) => ({
      action: `${recordType}.${action}`,
      resourceType: recordType,
      resourceId: move.id,
      unitCode: action === 'rehome' ? move.to.wardCode : move.from.wardCode,
      outcome: 'success' as const,
      details: { batchId: batch.id, fromWard: move.from.wardCode, toWard: move.to.wardCode },
      actor,
      occurredAt: now,
      requestId: action === 'rehome' ? batch.requestId : (batch.undoRequestId ?? batch.requestId),
    })),
  )
}

/**
 * Runs a re-homing to its end, a chunk per transaction. Resumable: a record already moved is no longer
 * at an abolished ward, so a rerun after a crash picks up what is left; a record that cannot be placed
 * stays (and is passed over by id). Each chunk first keeps the job's lease and checks the batch is still
 * running, so a worker that lost the job stops rather than racing the one that took it over.
 */
export async function runRehoming(runtime: Runtime, batchId: string): Promise<void> {
  const batch = await getBatch(runtime.db, batchId)
  if (!batch || batch.state !== 'running') return
  const tree = await runtime.tree()
  const actor = await runtime.actor(batch.createdBy)
  if (!actor) return failBatch(runtime, batch.id, 'starter_inactive')
  for (const recordType of recordTypes) {
    let after: string | null = null
    for (;;) {
      if (!(await stillOurs(runtime, batch.id, 'running'))) return
      const now = runtime.now()
      const today = localDateOf(now)
      const last = await inScope(runtime.db, systemScope, async (tx) => {
        const records = await recordsAt(tx, recordType, batch.predecessorCodes, after, chunkSize)
        const moves = records.flatMap((record): Move[] => {
          const to = rehomingTarget(tree, record, today)
          return to ? [{ id: record.id, from: record, to, provinceCode: provinceOfUnit(tree, to.wardCode) }] : []
        })
        const done = await applyMoves(tx, recordType, moves, moverOf(batch, actor, now))
        await insertMoves(tx, batch.id, recordType, done, now)
        await auditMoves(tx, batch, actor, recordType, done, 'rehome', now)
        await addToBatchCount(tx, batch.id, 'moved', done.length)
        return records.length < chunkSize ? null : records[records.length - 1]!.id
      })
      if (last === null) break
      after = last
    }
  }
  await updateBatch(runtime.db, batch.id, { state: 'done', finishedAt: runtime.now() }, 'running')
}

async function stillOurs(runtime: Runtime, batchId: string, state: BatchRow['state']): Promise<boolean> {
  if (!(await runtime.renew())) return false
  return (await getBatch(runtime.db, batchId))?.state === state
}

async function failBatch(runtime: Runtime, batchId: string, failureCode: string): Promise<void> {
  await updateBatch(runtime.db, batchId, { state: 'failed', failureCode, finishedAt: runtime.now() }, 'running')
}

/**
 * Undoes a batch's moves, a chunk per transaction, as the account that asked for it; a record moved or
 * changed since is left where it is (its move is still marked as processed, so the undo ends).
 */
export async function runUndo(runtime: Runtime, batchId: string): Promise<void> {
  const batch = await getBatch(runtime.db, batchId)
  if (!batch || batch.state !== 'undoing') return
  const tree = await runtime.tree()
  const actor = (await runtime.actor(batch.undoneBy ?? batch.createdBy)) ?? {
    type: 'user' as const,
    id: batch.undoneBy,
    name: null,
    role: null,
  }
  for (const recordType of recordTypes) {
    for (;;) {
      if (!(await stillOurs(runtime, batch.id, 'undoing'))) return
      const now = runtime.now()
      const count = await inScope(runtime.db, systemScope, async (tx) => {
        const moves = await movesToUndo(tx, batch.id, recordType, chunkSize)
        const back = moves.map((move) => ({
          id: move.id,
          from: move.to,
          to: move.from,
          provinceCode: provinceOfUnit(tree, move.from.wardCode),
        }))
        const done = await applyMoves(tx, recordType, back, moverOf(batch, actor, now, 'rehome_undo'))
        await markUndone(
          tx,
          batch.id,
          recordType,
          moves.map((move) => move.id),
          now,
        )
        await auditMoves(tx, batch, actor, recordType, done, 'rehome_undo', now)
        await addToBatchCount(tx, batch.id, 'undone', done.length)
        return moves.length
      })
      if (count < chunkSize) break
    }
  }
  await updateBatch(runtime.db, batch.id, { state: 'undone', undoneAt: runtime.now() }, 'undoing')
}

const maxAttempts = 5
const leaseMs = 60_000

export function registerReformJobs(app: FastifyInstance): void {
  const runtimeFor = (jobId: number): Runtime => ({
    db: app.database.db,
    now: () => app.clock.now(),
    tree: () => app.accounts.principals.unitTree(),
    actor: async (accountId) => {
      const principal = await app.accounts.principals.current({ kind: 'user', id: accountId })
      if (!principal?.permissions.has('units:manage')) return null
      return { type: 'user', id: accountId, name: principal.name, role: principal.role }
    },
    renew: () => renewLease(app.database.db, jobId, app.jobs.workerId, new Date(app.clock.now().getTime() + leaseMs)),
  })
  // A batch whose job fails on its last attempt is marked failed (what it moved stays moved, and can be undone).
  const lastAttempt = async (batchId: string, attempt: number, error: unknown) => {
    if (attempt < maxAttempts) throw error
    app.log.error({ err: error, batchId }, 're-homing failed after its last attempt')
    await updateBatch(
      app.database.db,
      batchId,
      { state: 'failed', failureCode: 'processing_failed', finishedAt: app.clock.now() },
      'running',
    )
  }
  app.jobs.register<{ batchId: string }>({
    queue: rehomeQueue,
    maxAttempts,
    handler: async ({ batchId }, { jobId, attempt }) =>
      runRehoming(runtimeFor(jobId), batchId).catch((error: unknown) => lastAttempt(batchId, attempt, error)),
  })
  app.jobs.register<{ batchId: string }>({
    queue: undoQueue,
    maxAttempts,
    handler: async ({ batchId }, { jobId }) => runUndo(runtimeFor(jobId), batchId),
  })
}

/** Records in the caller's units, at abolished wards, that no mapping places: the officers' queue. */
/** Incidents are case files: listing or moving them needs the incident permissions, not the registry's. */
function assertMayHandle(work: Work, type: RecordType, access: 'read' | 'write'): void {
  const permission = type === 'incident' ? (`incidents:${access}` as const) : (`registry:${access}` as const)
  if (work.principal.permissions.has(permission)) return
  throw new HttpProblem(
    403,
    'forbidden',
    `This operation needs the ${permission} permission, which your role does not hold.`,
    {
      extensions: { requiredPermission: permission },
    },
  )
}

export async function unplacedPage(work: Work, type: RecordType, limit: number, cursor: string | undefined) {
  assertMayHandle(work, type, 'read')
  const tree = await work.unitTree()
  const today = localDateOf(work.now)
  const wards = abolishedWards(tree, today).filter((code) => work.scope.wards.includes(code))
  const after = decodeCursor(cursor, ['uuid'])
  const items: {
    type: RecordType
    id: string
    wardCode: string
    residentialGroupCode: string | null
    successors: string[]
  }[] = []
  let from = (after?.[0] as string | undefined) ?? null
  let exhausted = wards.length === 0
  // Placed records are passed over, a bounded number of chunks per call: a page cut short by that bound
  // still gives a cursor (where the reading stopped), so no unplaced record is out of reach.
  for (let scanned = 0; !exhausted && items.length <= limit && scanned < 20; scanned++) {
    const records = await recordsAt(work.tx, type, wards, from, chunkSize)
    for (const record of records) {
      if (items.length > limit) break
      if (!rehomingTarget(tree, record, today)) {
        items.push({ type, ...record, successors: [...successorsOf(tree, record.wardCode)] })
      }
    }
    exhausted = records.length < chunkSize
    from = records.at(-1)?.id ?? from
  }
  await work.audit({
    action: 'rehoming.unplaced.list',
    resourceType: type,
    outcome: 'success',
    details: { returned: Math.min(items.length, limit) },
  })
  if (items.length > limit || exhausted || from === null) return toPage(items, limit, (item) => [item.id])
  return { items, nextCursor: encodeCursor([from]) }
}

function claimPreview(from: string, to: string, type: RecordType): Preview & { wards: string[] } {
  const counts = { households: 0, children: 0, incidents: 0 }
  const total = { ...counts, [type === 'household' ? 'households' : type === 'child' ? 'children' : 'incidents']: 1 }
  return { wards: [from], bySuccessor: [{ wardCode: to, ...total }], unplaced: [], total }
}

/** An officer of a successor ward takes one unplaced record into one of their wards. */
export async function claimRecord(work: Work, type: RecordType, id: string, to: Home) {
  assertMayHandle(work, type, 'write')
  const tree = await work.unitTree()
  const record = await recordAt(work.tx, type, id)
  if (!record) throw notFound(type === 'child' ? 'Child' : type === 'household' ? 'Household' : 'Incident', id)
  const problems = claimProblems(tree, work.scope, record, to, localDateOf(work.now))
  if (problems.length > 0) throw unprocessable('invalid_claim', 'The record cannot be claimed for that ward.', problems)
  const batch = await insertBatch(work.tx, {
    predecessorCodes: [record.wardCode],
    state: 'done',
    planned: claimPreview(record.wardCode, to.wardCode, type),
    moved: 1,
    createdBy: work.principal.id,
    requestId: work.request.id,
    createdAt: work.now,
    finishedAt: work.now,
  })
  const move: Move = { id, from: record, to, provinceCode: provinceOfUnit(tree, to.wardCode) }
  const actor: AuditActor = {
    type: 'user',
    id: work.principal.id,
    name: work.principal.name,
    role: work.principal.role,
  }
  const [done] = await applyMoves(work.tx, type, [move], moverOf(batch, actor, work.now))
  if (!done) throw new HttpProblem(409, 'record_changed', 'The record changed meanwhile; read it again.')
  await insertMoves(work.tx, batch.id, type, [done], work.now)
  work.request.auditWritten = true
  await auditMoves(work.tx, batch, actor, type, [done], 'rehome', work.now)
  return { type, id, from: done.from, to: done.to, batchId: batch.id }
}

export function toBatch(row: BatchRow) {
  return {
    id: row.id,
    wards: row.predecessorCodes,
    state: row.state,
    planned: row.planned as Preview & { wards: string[] },
    moved: row.moved,
    undone: row.undone,
    failureCode: row.failureCode,
    createdAt: row.createdAt.toISOString(),
    finishedAt: row.finishedAt?.toISOString() ?? null,
    undoneAt: row.undoneAt?.toISOString() ?? null,
  }
}
