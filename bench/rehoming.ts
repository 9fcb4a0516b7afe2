/**
 * Re-homing after the 2025 reorganisation at scale: every record filed at a ward the reorganisation
 * abolished is moved to its successor (by the residential-group mapping of src/reference/units.json),
 * through the same job code the service runs (`runRehoming`, a chunk of 2,000 records per transaction:
 * the record, its parts, a child's revision, the move and an audit event per record), then undone
 * (`runUndo`) so that the shared data set is left as it was; counts per table, ward and group are
 * compared before and after (revisions aside: the re-homing and its undo each add one per child, as
 * history, plus their move records and audit events).
 *
 * The floor, measured in the same run on the same children: one bare `UPDATE children SET ward_code =
 * <successor>` per successor ward (and one per abolished ward back) as the owner — the rows' required
 * writes, with no audit event, revision, parts or move record. The registry-tally statement triggers on
 * `children` stay on and fire for the floor too.
 *
 *   npx tsx bench/rehoming.ts [--children 1000000] [--reuse] [--url postgres://postgres@127.0.0.1:5432/test]
 *
 * The generator files records at the 14 wards of Hoàng Mai before 2025 under residential groups of its
 * own (`<ward>-TDPnn`) that the reference mapping does not know: records of wards split between several
 * successors would all stay unplaced. Before timing, each generated group is assigned to one of its
 * ward's mapped groups (`<ward>-Rnn`, picked by a hash of the generated group's code, so that a
 * household, its children and their incidents stay together), with one UPDATE per table; a data set
 * already assigned is left alone. Prints counts, codes and ids only, never a name.
 */
import { readFileSync } from 'node:fs'
import { cpus, loadavg } from 'node:os'
import { sql } from 'drizzle-orm'
import pg from 'pg'
import { openDatabase, queryRows } from '../src/db/client.js'
import { inScope, systemScope } from '../src/platform/scope.js'
import { localDateOf } from '../src/modules/calendar/rules.js'
import { countsAt, getBatch, insertBatch, updateBatch } from '../src/modules/reform/repository.js'
import { abolishedWards, previewOf, recordTypes, type RecordType } from '../src/modules/reform/rules.js'
import { runRehoming, runUndo } from '../src/modules/reform/service.js'
import { applyUnitsReference, loadUnitTree } from '../src/modules/units/repository.js'
import { loadUnits } from '../src/reference/index.js'
import { defaultServerUrl } from './support/database.js'
import { benchDataset } from './support/dataset.js'
import { parseOptions, table } from './support/stats.js'

const options = parseOptions(process.argv.slice(2), { children: 'number', reuse: 'boolean', url: 'string' })
const server = options.url ?? process.env.DATABASE_URL ?? defaultServerUrl
const children = options.children ?? 1_000_000

/** The tables a re-homing moves, and the parts that follow them (each carries ward and group). */
const recordTables = ['households', 'children', 'incidents'] as const
const partTables = [
  'child_circumstances',
  'care_records',
  'health_insurance_cards',
  'child_revisions',
  'incident_children',
  'incident_steps',
  'incident_revisions',
] as const
const tableOf: Record<RecordType, (typeof recordTables)[number]> = {
  household: 'households',
  child: 'children',
  incident: 'incidents',
}

const integer = (n: number) => Math.round(n).toLocaleString('en-US')
const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MiB`
const load = () => loadavg()[0]!.toFixed(1)

const loadBefore = load()
const url = await benchDataset({ server, children, reuse: Boolean(options.reuse) })
const owner = new pg.Client({ connectionString: url, application_name: 'cps-bench-rehoming' })
await owner.connect()

// A reused data set may predate the residential-group mapping: apply the units reference (idempotent),
// as the service does on start, and only that file.
const groupLinks = await owner.query<{ n: number }>(
  `select count(*)::int as n from unit_successions s join units u on u.code = s.predecessor_code
    where u.level = 'residential_group'`,
)
if (groupLinks.rows[0]!.n === 0) {
  const setup = await openDatabase({ url, dataDir: '', poolMax: 1, statementTimeoutMs: 0 })
  try {
    await setup.db.transaction((tx) => applyUnitsReference(tx, loadUnits().data))
  } finally {
    await setup.close()
  }
  console.log('applied the units reference (residential-group mapping)')
}

// One pooled session under the application role, as the service's job runs (system scope inside).
const database = await openDatabase({ url, dataDir: '', poolMax: 1, statementTimeoutMs: 0 })
await database.useAppRole()
const tree = await loadUnitTree(database.db)
const today = localDateOf(new Date())
const wards = abolishedWards(tree, today)
const runtime: Parameters<typeof runRehoming>[0] = {
  db: database.db,
  now: () => new Date(),
  tree: async () => tree,
  actor: async (accountId) => ({ type: 'user', id: accountId, name: 'Benchmark', role: 'district_officer' }),
  // The service renews its job's lease here (one UPDATE per chunk); the benchmark holds no job.
  renew: async () => true,
}

// A previous run stopped half-way leaves records at successor wards: put them back first (not timed).
const leftovers = await owner.query<{ id: string; state: string }>(
  `select id, state from rehoming_batches where created_by = 'bench' and state <> 'undone' order by created_at`,
)
for (const leftover of leftovers.rows) {
  console.log(`undoing batch ${leftover.id} left ${leftover.state} by an earlier run …`)
  await updateBatch(database.db, leftover.id, {
    state: 'undoing',
    undoneBy: 'bench',
    undoRequestId: 'bench-rehoming-undo',
  })
  await runUndo(runtime, leftover.id)
}

// Residential groups the mapping knows, for the generator's records (one UPDATE per table; not timed).
// Triggers off, as the generator loads: a group changes neither a tally (kept by ward) nor a coverage.
const assignStarted = performance.now()
const assigned: string[] = []
await owner.query(`set session_replication_role = replica`)
for (const name of [...recordTables, ...partTables]) {
  const { rowCount } = await owner.query(
    `with mapped as (
       select u.parent_code as ward, array_agg(u.code order by u.code) as groups
         from units u
        where u.level = 'residential_group' and u.parent_code = any($1::text[])
          and exists (select 1 from unit_successions s where s.predecessor_code = u.code)
        group by 1)
     update ${name} t
        set residential_group_code = m.groups[1 + abs(hashtext(coalesce(t.residential_group_code, '')) % cardinality(m.groups))]
       from mapped m
      where t.ward_code = m.ward
        and (t.residential_group_code is null or not t.residential_group_code = any(m.groups))`,
    [wards],
  )
  if (rowCount) assigned.push(`${name} ${integer(rowCount)}`)
}
await owner.query(`reset session_replication_role`)
if (assigned.length > 0) {
  await owner.query(`vacuum analyze ${[...recordTables, ...partTables].join(', ')}`)
  console.log(
    `assigned mapped residential groups in ${((performance.now() - assignStarted) / 1000).toFixed(1)} s: ${assigned.join(', ')}`,
  )
}

/** Rows per table, ward and group: what a re-homing and its undo must leave as they were. */
async function snapshot(): Promise<Map<string, number>> {
  const counts = new Map<string, number>()
  for (const name of [...recordTables, ...partTables]) {
    const { rows } = await owner.query<{ ward: string; grp: string | null; n: number }>(
      `select ward_code as ward, residential_group_code as grp, count(*)::int as n from ${name} group by 1, 2`,
    )
    for (const row of rows) counts.set(`${name}|${row.ward}|${row.grp ?? ''}`, row.n)
  }
  return counts
}

/** Revisions are history: a re-homing and its undo each add one per child, at the child's ward. */
const historyTables = ['child_revisions', 'incident_revisions']
const isHistory = (key: string) => historyTables.includes(key.split('|')[0]!)

function differences(before: Map<string, number>, after: Map<string, number>): string[] {
  const keys = new Set([...before.keys(), ...after.keys()])
  return [...keys].filter((key) => !isHistory(key) && before.get(key) !== after.get(key)).sort()
}

function historyAdded(before: Map<string, number>, after: Map<string, number>): number {
  return [...after.entries()]
    .filter(([key]) => isHistory(key))
    .reduce((n, [key, count]) => n + count - (before.get(key) ?? 0), 0)
}

function byWard(counts: Map<string, number>): Map<string, Record<string, number>> {
  const result = new Map<string, Record<string, number>>()
  for (const [key, n] of counts) {
    const [name, ward] = key.split('|') as [string, string]
    if (!(recordTables as readonly string[]).includes(name)) continue
    const entry = result.get(ward) ?? { households: 0, children: 0, incidents: 0 }
    entry[name] = (entry[name] ?? 0) + n
    result.set(ward, entry)
  }
  return result
}

const before = await snapshot()
const outside = [...byWard(before).keys()].filter((ward) => !wards.includes(ward))
if (outside.length > 0) console.log(`records also filed at wards that were not abolished: ${outside.join(', ')}`)

const preview = previewOf(tree, await inScope(database.db, systemScope, (tx) => countsAt(tx, wards)), today)
const sum = (rows: { households: number; children: number; incidents: number }[]) =>
  rows.reduce(
    (total, row) => ({
      households: total.households + row.households,
      children: total.children + row.children,
      incidents: total.incidents + row.incidents,
    }),
    { households: 0, children: 0, incidents: 0 },
  )
const placed = sum(preview.bySuccessor)
const unplaced = sum(preview.unplaced)
console.log(
  `${wards.length} abolished wards → ${preview.bySuccessor.length} successor wards; placed ${integer(placed.households)} households, ` +
    `${integer(placed.children)} children, ${integer(placed.incidents)} incidents; unplaced ${integer(unplaced.households)} households, ` +
    `${integer(unplaced.children)} children, ${integer(unplaced.incidents)} incidents`,
)

interface Phase {
  label: string
  records: number
  seconds: number
  nodeCpu: number
  serverCpu: number | null
  peakRss: number | null
  peakHeap: number | null
}

/** CPU seconds of the pool's one backend, read from /proc (null when the server is elsewhere). */
async function backend(): Promise<{ pid: number; cpu: number | null }> {
  const [row] = await queryRows<{ pid: number }>(database.db, sql`select pg_backend_pid() as pid`)
  try {
    const fields = readFileSync(`/proc/${row!.pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
    return { pid: row!.pid, cpu: (Number(fields[11]) + Number(fields[12])) / 100 }
  } catch {
    return { pid: row!.pid, cpu: null }
  }
}

/** Runs `work`, sampling the process's memory every 100 ms and printing the batch's progress every 10 s. */
async function measure(label: string, batchId: string, column: 'moved' | 'undone', work: () => Promise<void>) {
  let peakRss = process.memoryUsage().rss
  let peakHeap = process.memoryUsage().heapUsed
  const sampler = setInterval(() => {
    const usage = process.memoryUsage()
    peakRss = Math.max(peakRss, usage.rss)
    peakHeap = Math.max(peakHeap, usage.heapUsed)
  }, 100)
  let last = { at: performance.now(), count: 0 }
  const progress = setInterval(() => {
    void owner
      .query<{ n: number }>(`select ${column} as n from rehoming_batches where id = $1`, [batchId])
      .then(({ rows }) => {
        const at = performance.now()
        const count = rows[0]?.n ?? 0
        console.log(
          `  ${label}: ${integer(count)} records (${integer(((count - last.count) * 1000) / (at - last.at))}/s over the last ${((at - last.at) / 1000).toFixed(0)} s)`,
        )
        last = { at, count }
      })
  }, 10_000)
  const serverBefore = await backend()
  const cpuBefore = process.cpuUsage()
  const started = performance.now()
  try {
    await work()
  } finally {
    clearInterval(sampler)
    clearInterval(progress)
  }
  const seconds = (performance.now() - started) / 1000
  const cpu = process.cpuUsage(cpuBefore)
  const serverAfter = await backend()
  const batch = await getBatch(database.db, batchId)
  return {
    label,
    records: batch?.[column] ?? 0,
    seconds,
    nodeCpu: (cpu.user + cpu.system) / 1e6,
    serverCpu:
      serverBefore.pid === serverAfter.pid && serverBefore.cpu !== null && serverAfter.cpu !== null
        ? serverAfter.cpu - serverBefore.cpu
        : null,
    peakRss,
    peakHeap,
  } satisfies Phase
}

/** Seconds each record type took, from the instants its chunks started (moved_at / undone_at). */
async function secondsByType(
  batchId: string,
  column: 'moved_at' | 'undone_at',
  finished: Date,
): Promise<Map<RecordType, { records: number; seconds: number }>> {
  const { rows } = await owner.query<{ type: RecordType; n: number; first: Date }>(
    `select record_type as type, count(*)::int as n, min(${column}) as first
       from rehoming_moves where batch_id = $1 and ${column} is not null group by 1`,
    [batchId],
  )
  const byType = new Map(rows.map((row) => [row.type, row]))
  const present = recordTypes.filter((type) => byType.has(type))
  return new Map(
    present.map((type, index) => {
      const next = present[index + 1]
      const end = next ? byType.get(next)!.first : finished
      return [
        type,
        { records: byType.get(type)!.n, seconds: (end.getTime() - byType.get(type)!.first.getTime()) / 1000 },
      ]
    }),
  )
}

const batch = await insertBatch(database.db, {
  predecessorCodes: wards,
  state: 'running',
  planned: { wards, ...preview },
  createdBy: 'bench',
  requestId: 'bench-rehoming',
  createdAt: new Date(),
})
console.log(`re-homing (batch ${batch.id}) …`)
const rehoming = await measure('re-homing', batch.id, 'moved', () => runRehoming(runtime, batch.id))
const rehomingTypes = await secondsByType(batch.id, 'moved_at', new Date())
const afterRehoming = await snapshot()
const left = [...byWard(afterRehoming).entries()].filter(([ward]) => wards.includes(ward))
console.log(
  `re-homed ${integer(rehoming.records)} records in ${rehoming.seconds.toFixed(1)} s; left at abolished wards: ` +
    (left.map(([ward, n]) => `${ward} ${n.households}/${n.children}/${n.incidents}`).join(', ') || 'none'),
)

console.log('undoing …')
const undoing = await updateBatch(
  database.db,
  batch.id,
  { state: 'undoing', undoneBy: 'bench', undoRequestId: 'bench-rehoming-undo' },
  'done',
)
if (!undoing) throw new Error(`batch ${batch.id} did not finish`)
const undo = await measure('undo', batch.id, 'undone', () => runUndo(runtime, batch.id))
const undoTypes = await secondsByType(batch.id, 'undone_at', new Date())
const afterUndo = await snapshot()
const undoDifferences = differences(before, afterUndo)

// The floor: the same children, one bare UPDATE per successor ward and one per abolished ward back.
await owner.query(`vacuum analyze children`)
await owner.query(
  `create temporary table floor_moves as
     select record_id as id, from_ward, to_ward from rehoming_moves where batch_id = $1 and record_type = 'child'`,
  [batch.id],
)
await owner.query(`analyze floor_moves`)
const floorRows = (await owner.query<{ n: number }>(`select count(*)::int as n from floor_moves`)).rows[0]!.n
const successors = (await owner.query<{ ward: string }>(`select distinct to_ward as ward from floor_moves order by 1`))
  .rows
const predecessors = (
  await owner.query<{ ward: string }>(`select distinct from_ward as ward from floor_moves order by 1`)
).rows
async function floor(label: string, statements: { text: string; ward: string }[]): Promise<Phase> {
  const cpuBefore = process.cpuUsage()
  const started = performance.now()
  let records = 0
  for (const statement of statements) records += (await owner.query(statement.text, [statement.ward])).rowCount ?? 0
  const cpu = process.cpuUsage(cpuBefore)
  return {
    label,
    records,
    seconds: (performance.now() - started) / 1000,
    nodeCpu: (cpu.user + cpu.system) / 1e6,
    serverCpu: null,
    peakRss: null,
    peakHeap: null,
  }
}
const floorThere = await floor(
  `floor: bare UPDATE children SET ward_code, ${successors.length} statements`,
  successors.map(({ ward }) => ({
    ward,
    text: `update children c set ward_code = $1 from floor_moves m where m.id = c.id and m.to_ward = $1`,
  })),
)
const floorBack = await floor(
  `floor back: bare UPDATE children SET ward_code, ${predecessors.length} statements`,
  predecessors.map(({ ward }) => ({
    ward,
    text: `update children c set ward_code = $1 from floor_moves m where m.id = c.id and m.from_ward = $1`,
  })),
)
if (floorThere.records !== floorRows || floorBack.records !== floorRows) {
  throw new Error(`the floor updated ${floorThere.records} / ${floorBack.records} children, expected ${floorRows}`)
}
const afterFloor = await snapshot()
const floorDifferences = differences(before, afterFloor)

const rate = (phase: { records: number; seconds: number }) => (phase.seconds > 0 ? phase.records / phase.seconds : 0)
const floorRate = rate(floorThere)
const floorBackRate = rate(floorBack)
const row = (phase: Phase, versus: number) => [
  phase.label,
  integer(phase.records),
  phase.seconds.toFixed(1),
  `${integer(rate(phase))}/s`,
  (rate(phase) / versus).toFixed(3),
  phase.nodeCpu.toFixed(1),
  phase.serverCpu === null ? 'n/a' : phase.serverCpu.toFixed(1),
  phase.peakRss === null ? '' : mib(phase.peakRss),
  phase.peakHeap === null ? '' : mib(phase.peakHeap),
]
const typeRows = (label: string, types: Map<RecordType, { records: number; seconds: number }>, versus: number) =>
  [...types.entries()].map(([type, phase]) => [
    `  ${label}: ${tableOf[type]}`,
    integer(phase.records),
    phase.seconds.toFixed(1),
    `${integer(rate(phase))}/s`,
    type === 'child' ? (rate(phase) / versus).toFixed(3) : '',
    '',
    '',
    '',
    '',
  ])

console.log()
console.log(
  `${integer(children)} children; ${wards.length} abolished wards; load average ${loadBefore} before, ${load()} after, on ${cpus().length} cores`,
)
console.log(
  table(
    ['step', 'records', 'seconds', 'rate', 'vs floor', 'node CPU s', 'PG CPU s', 'peak RSS', 'peak heap'],
    [
      row(rehoming, floorRate),
      ...typeRows('re-homing', rehomingTypes, floorRate),
      row(undo, floorBackRate),
      ...typeRows('undo', undoTypes, floorBackRate),
      row(floorThere, floorRate),
      row(floorBack, floorBackRate),
    ],
  ),
)
const childPhase = rehomingTypes.get('child')
const childUndo = undoTypes.get('child')
console.log(
  `ratio re-homing / floor (children): ${childPhase ? (rate(childPhase) / floorRate).toFixed(3) : 'n/a'}; ` +
    `undo / floor back (children): ${childUndo ? (rate(childUndo) / floorBackRate).toFixed(3) : 'n/a'}; ` +
    `all records re-homed / floor: ${(rate(rehoming) / floorRate).toFixed(3)}`,
)

const wardsAfter = byWard(afterUndo)
console.log()
console.log(
  table(
    ['ward', 'households', 'children', 'incidents', 'after undo', 'after floor'],
    [...byWard(before).entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([ward, n]) => {
        const after = wardsAfter.get(ward)
        const same =
          after?.households === n.households && after?.children === n.children && after?.incidents === n.incidents
        const floorSame = !floorDifferences.some((key) => key.split('|')[1] === ward)
        return [
          ward,
          integer(n.households!),
          integer(n.children!),
          integer(n.incidents!),
          same ? 'same' : 'DIFFERENT',
          floorSame ? 'same' : 'DIFFERENT',
        ]
      }),
  ),
)
console.log(
  `revisions added by the re-homing and its undo (history, kept at the records' wards): ${integer(historyAdded(before, afterUndo))}`,
)
console.log(
  undoDifferences.length === 0 && floorDifferences.length === 0
    ? `counts per table, ward and group: before == after undo == after floor (${[...before.keys()].filter((key) => !isHistory(key)).length} cells, revisions aside)`
    : `counts differ: after undo ${undoDifferences.length} cells (${undoDifferences.slice(0, 5).join(', ')}), after floor ${floorDifferences.length} cells`,
)

await owner.end()
await database.close()
if (undoDifferences.length > 0 || floorDifferences.length > 0) process.exitCode = 1
