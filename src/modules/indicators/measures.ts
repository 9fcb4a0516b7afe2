/**
 * The measures behind the indicators: one grouped query per source table, run live (no stale analytics)
 * inside the caller's `inScope` transaction. Each measure yields cells keyed by ward and by the
 * breakdowns asked for; figures.ts folds them into ward figures and the unit's total, so ward figures
 * always add up to the district's.
 */
import { sql, type AnyColumn, type SQL } from 'drizzle-orm'
import { queryRows, type Executor } from '../../db/client.js'
import { scopeCondition, textArray, type Scope } from '../../platform/scope.js'
import { addDays, startOfLocalDay } from '../calendar/rules.js'
import { ageGroups } from '../children/rules.js'
import { careRecords, children, childCircumstances } from '../children/tables.js'
import { assessments } from '../criteria/tables.js'
import {
  abuseKinds,
  CaseDeadlines,
  incidentKinds,
  injuryKinds,
  type DeadlineRules,
  type IncidentKind,
} from '../incidents/rules.js'
import { closureReasons } from '../incidents/forms-rules.js'
import { incidentChildren, incidents, incidentSteps } from '../incidents/tables.js'
import { referrals } from '../referrals/tables.js'
import { rehomingMoves } from '../reform/tables.js'
import { reports } from '../reports/tables.js'
import type { Projection } from './maps.js'
import {
  childLabourSupport,
  earliestReceiptDueFrom,
  submissionTimeliness,
  supportPlanTimeliness,
  sumBreakdowns,
  type BreakdownCell,
  type ReportingPeriod,
  type Timeliness,
} from './rules.js'

export const dimensions = ['sex', 'ageGroup', 'groupCode', 'kind', 'setting', 'urgency', 'closureReason'] as const
export type Dimension = (typeof dimensions)[number]

export interface MeasureContext {
  tx: Executor
  scope: Scope
  /**
   * The wards listed (the unit, or every ward of the table's map below it, and any with a row of its own);
   * all of them whole in the caller's jurisdiction (`resolveUnit` refuses a unit that is not).
   */
  wards: readonly string[]
  /** Which wards' records are read, and at which ward each counts (maps.ts). */
  projection: Projection
  windowFrom: string
  /** The last day of the window: on or after `windowFrom`. */
  asOf: string
  /** What is known at the end of the window: steps, submissions and decisions before this instant. */
  cutoff: Date
  /** The working calendar and the step deadlines, for deadlines counted per case. */
  deadlines: DeadlineRules
  /** The plan year's reporting periods. */
  periods: readonly ReportingPeriod[]
  /** The combinations of breakdowns asked for, by measure key: a query can compute them all in one pass. */
  breakdowns: ReadonlyMap<string, Dimension[][]>
}

/** Cells for one combination of breakdowns, keyed by `ward` and each dimension of the set. */
export type CellsFor = (set: readonly Dimension[]) => BreakdownCell[]

/** One ward, sex and age bucket of the registry's counts. */
interface RegistryRow {
  ward: string
  sex: string
  /** 1 for the oldest age group, counting up; null for an unknown birth date. */
  bucket: number | null
  children: number
  special: number
  cared: number
  carded: number
}

/** Rows of the same ward, sex and age bucket added up (the tallies' and the children weighed one by one). */
function sumRegistryRows(rows: readonly RegistryRow[]): RegistryRow[] {
  const sums = new Map<string, RegistryRow>()
  for (const row of rows) {
    const key = `${row.ward} ${row.sex} ${row.bucket}`
    const sum = sums.get(key)
    if (!sum) sums.set(key, { ...row })
    else {
      sum.children += row.children
      sum.special += row.special
      sum.cared += row.cared
      sum.carded += row.carded
    }
  }
  return [...sums.values()]
}

/** The age groups, oldest first: `width_bucket` over their first birth dates numbers them from 1. */
const bucketAgeGroups = [...ageGroups].sort((a, b) => b.min - a.min)

function ageGroupOfBucket(bucket: number | null): string {
  return bucket === null ? 'unknown' : bucketAgeGroups[bucket - 1]!.code
}

type Measure = (source: MeasureSource, sets: readonly (readonly Dimension[])[]) => Promise<CellsFor>

function yearsBefore(asOf: string, years: number): SQL {
  return sql`(${asOf}::date - make_interval(years => ${years}))::date`
}

/** Age group of a registry child on `asOf`, from the registry's age groups (an unknown birth date: 'unknown'). */
function registryAgeGroup(asOf: string): SQL {
  const last = ageGroups[ageGroups.length - 1]!
  const branches = ageGroups
    .slice(0, -1)
    .map(
      (group) =>
        sql`when ${children.effectiveBirthDate} > ${yearsBefore(asOf, group.max + 1)} then ${group.code}::text`,
    )
  return sql`case when ${children.effectiveBirthDate} is null then 'unknown' ${sql.join(branches, sql` `)} else ${last.code}::text end`
}

/** Age group of a child in an incident, from the age recorded with it. */
function incidentAgeGroup(): SQL {
  const branches = ageGroups.map(
    (group) => sql`when ${incidentChildren.ageYears} between ${group.min} and ${group.max} then ${group.code}::text`,
  )
  return sql`case ${sql.join(branches, sql` `)} else 'unknown' end`
}

/** The wards whose records are read but do not all count where they are filed. */
function projectedWards(projection: Projection): string[] {
  return projection.sources.filter((ward) => !projection.kept.includes(ward))
}

/**
 * The ward a record counts at on the table's map (maps.ts): where it is filed, when that ward is kept;
 * else the ward of the map it was re-homed from, where its residential group or its ward leads, or,
 * when nothing places it, where it is filed.
 */
function homeWard(projection: Projection, type: 'child' | 'incident'): SQL {
  const table = type === 'child' ? children : incidents
  const record = { ward: table.wardCode, group: table.residentialGroupCode, id: table.id, type }
  if (projectedWards(projection).length === 0) return sql`${record.ward}`
  const mapped = sql`${JSON.stringify(projection.byGroup)}::jsonb ->> ${record.group},
      ${JSON.stringify(projection.byWard)}::jsonb ->> ${record.ward}, ${record.ward}`
  const movedFrom = sql`(select ${rehomingMoves.fromWard} from ${rehomingMoves}
      where ${rehomingMoves.recordType} = ${record.type} and ${rehomingMoves.recordId} = ${record.id}
        and ${rehomingMoves.undoneAt} is null and ${rehomingMoves.fromWard} = any(${textArray(projection.movedBackTo)})
      order by ${rehomingMoves.movedAt} limit 1)`
  return sql`case when ${record.ward} = any(${textArray(projection.kept)}) then ${record.ward}
      when ${record.ward} = any(${textArray(projection.createdAfter)}) then coalesce(${movedFrom}, ${mapped})
      else coalesce(${mapped}) end`
}

/** A child on the registry at the end of the window, filed at one of the wards read. */
function childOnRegistry(context: MeasureContext): SQL {
  const { asOf } = context
  return sql`${children.deletedAt} is null and ${children.mergedInto} is null
    and ${children.wardCode} = any(${textArray(context.projection.sources)})
    and ${scopeCondition(context.scope, { ward: children.wardCode, group: children.residentialGroupCode })}
    and (${children.effectiveBirthDate} is null or (${children.effectiveBirthDate} <= ${asOf}::date and ${children.effectiveBirthDate} > ${yearsBefore(asOf, 16)}))
    and (${children.status} = 'active' or ${children.statusDate} > ${asOf}::date)`
}

/** The window's first and last instants: from its first local midnight up to (not including) the one after its last day. */
function windowBounds(context: MeasureContext): { from: Date; to: Date } {
  return { from: startOfLocalDay(context.windowFrom), to: startOfLocalDay(addDays(context.asOf, 1)) }
}

/** `column` within the window: `from` included, `to` not. */
function inWindow(context: MeasureContext, column: AnyColumn): SQL {
  const { from, to } = windowBounds(context)
  return sql`${column} >= ${from.toISOString()}::timestamptz and ${column} < ${to.toISOString()}::timestamptz`
}

/** Incidents filed at the wards read, in the caller's scope. */
function incidentRead(context: MeasureContext): SQL {
  return sql`${incidents.wardCode} = any(${textArray(context.projection.sources)})
    and ${scopeCondition(context.scope, { ward: incidents.wardCode, group: incidents.residentialGroupCode })}`
}

/** Incidents filed at the wards read that occurred in the window (local dates, both ends included). */
function incidentInWindow(context: MeasureContext, kinds: readonly IncidentKind[]): SQL {
  return sql`${incidentRead(context)} and ${inWindow(context, incidents.occurredAt)}
    and ${incidents.kind} = any(${textArray(kinds)})`
}

function fold(cells: readonly BreakdownCell[], set: readonly Dimension[]): BreakdownCell[] {
  return sumBreakdowns(cells, ['ward', ...set])
}

function cell(key: Record<string, string>, numerator: number, denominator = 0): BreakdownCell {
  return { key, numerator, denominator }
}

function instant(value: unknown): Date | null {
  return value === null || value === undefined ? null : new Date(value as string | Date)
}

/** The queries of one computation, each run at most once however many indicators use it. */
export class MeasureSource {
  private readonly cache = new Map<string, Promise<unknown>>()
  /** Each case's deadlines, worked out once per step and day of receipt across the measures that judge cases. */
  private readonly caseDeadlines: CaseDeadlines

  constructor(readonly context: MeasureContext) {
    this.caseDeadlines = new CaseDeadlines(context.deadlines)
  }

  private once<T>(name: string, load: () => Promise<T>): Promise<T> {
    let pending = this.cache.get(name) as Promise<T> | undefined
    if (!pending) {
      pending = load()
      this.cache.set(name, pending)
    }
    return pending
  }

  /**
   * The registry's counts by ward, sex and age group: children; special-circumstance children and those
   * of them cared for in the window; children under 6 and those of them holding a valid card. Read from
   * the registry tallies (migration 0015), kept in every writing transaction.
   */
  registry(): Promise<{
    children: BreakdownCell[]
    special: BreakdownCell[]
    under6: BreakdownCell[]
    carded: BreakdownCell[]
  }> {
    return this.once('registry', async () => {
      const rows = await this.registryRows()
      const groups = new Map<string, { ward: string; sex: string; byAge: Map<string, RegistryRow> }>()
      for (const row of rows) {
        const key = `${row.ward} ${row.sex}`
        let group = groups.get(key)
        if (!group) groups.set(key, (group = { ward: row.ward, sex: row.sex, byAge: new Map() }))
        group.byAge.set(ageGroupOfBucket(row.bucket), row)
      }
      const result = {
        children: [] as BreakdownCell[],
        special: [] as BreakdownCell[],
        under6: [] as BreakdownCell[],
        carded: [] as BreakdownCell[],
      }
      for (const { ward, sex, byAge } of groups.values()) {
        let under6 = 0
        let carded = 0
        for (const ageGroup of [...ageGroups.map((group) => group.code), 'unknown']) {
          const row = byAge.get(ageGroup)
          result.children.push(cell({ ward, sex, ageGroup }, row?.children ?? 0))
          result.special.push(cell({ ward, sex, ageGroup }, row?.cared ?? 0, row?.special ?? 0))
          if (row && ageGroups.some((group) => group.code === ageGroup && group.max < 6)) {
            under6 += row.children
            carded += row.carded
          }
        }
        result.under6.push(cell({ ward, sex }, under6))
        result.carded.push(cell({ ward, sex }, carded, under6))
      }
      return result
    })
  }

  /**
   * The tallies of the wards by ward, sex and age bucket (one `width_bucket` a row: a district has
   * hundreds of thousands of rows to weigh). Each tally row counts the children sharing a birth date,
   * status and coverage; on the registry at the end of the window, and each question of the window a
   * condition on the coverages. Deltas not yet folded are summed with the settled rows; a group whose
   * deltas cancel out is left out.
   */
  async registryRows(): Promise<RegistryRow[]> {
    const { tx, asOf, windowFrom, projection } = this.context
    const date = sql`${asOf}::date`
    const special = sql`membership_coverage @> ${date}`
    const counted = (condition: SQL, name: string) =>
      sql`coalesce(sum(children) filter (where ${condition}), 0)::int as ${sql.raw(name)}`
    const grouped = (registry: SQL) =>
      queryRows<RegistryRow>(
        tx,
        sql`select ward, sex, width_bucket(birth_date, ${this.ageThresholds()}) as bucket, sum(children)::int as children,
                   ${counted(special, 'special')},
                   ${counted(sql`${special} and care_coverage && daterange(${windowFrom}::date, ${date}, '[]')`, 'cared')},
                   ${counted(sql`card_coverage @> ${date}`, 'carded')}
            from (${registry}) registry
            where (birth_date is null or (birth_date <= ${date} and birth_date > ${yearsBefore(asOf, 16)}))
              and (inactive_since is null or inactive_since > ${date})
            group by 1, 2, 3
            having sum(children) <> 0`,
      )
    const tallied = await grouped(
      sql`select ward_code as ward, sex, birth_date, inactive_since, membership_coverage, care_coverage, card_coverage, children
          from registry_tallies where ward_code = any(${textArray(projection.kept)})`,
    )
    // Children filed at a ward whose records count elsewhere on the table's map are weighed one by one
    // (the tallies know their ward, not their residential group), in a query of their own so that the
    // tallies' scan keeps its plan.
    const projected = projectedWards(projection)
    if (projected.length === 0) return tallied
    const weighed = await grouped(
      sql`select ${homeWard(this.context.projection, 'child')} as ward, ${children.sex} as sex, ${children.effectiveBirthDate} as birth_date,
                 case when ${children.status} = 'active' then null else coalesce(${children.statusDate}, '-infinity'::date) end as inactive_since,
                 membership_coverage, care_coverage, card_coverage, 1 as children
          from ${children}
          where ${children.deletedAt} is null and ${children.mergedInto} is null
            and ${children.wardCode} = any(${textArray(projected)})
            and ${scopeCondition(this.context.scope, { ward: children.wardCode, group: children.residentialGroupCode })}`,
    )
    return sumRegistryRows([...tallied, ...weighed])
  }

  /** The first birth date of each age group on `asOf`, oldest group first, then the day after `asOf`. */
  private ageThresholds(): SQL {
    const { asOf } = this.context
    const firstBirthDates = [
      ...bucketAgeGroups.map((group) => group.max + 1),
      bucketAgeGroups[bucketAgeGroups.length - 1]!.min,
    ].map((years) => sql`${yearsBefore(asOf, years)} + 1`)
    return sql`array[${sql.join(firstBirthDates, sql`, `)}]::date[]`
  }

  /**
   * Special-circumstance children and those cared for, once per child and group: a child in two groups
   * counts in each. Read from the memberships, for a breakdown by group only.
   */
  specialByGroup(): Promise<BreakdownCell[]> {
    return this.once('specialByGroup', async () => {
      const { tx, asOf, windowFrom, scope } = this.context
      const rows = await queryRows<{
        ward: string
        sex: string
        age_group: string
        group_code: string
        children: number
        cared: number
      }>(
        tx,
        sql`select ward, sex, age_group, group_code, count(distinct child_id)::int as children, count(distinct child_id) filter (where cared)::int as cared
            from (
              select ${children.id} as child_id, ${homeWard(this.context.projection, 'child')} as ward, ${children.sex} as sex,
                     ${registryAgeGroup(asOf)} as age_group, ${childCircumstances.groupCode} as group_code,
                     exists (
                       select 1 from ${careRecords}
                       where ${careRecords.childId} = ${children.id}
                         and ${careRecords.startDate} <= ${asOf}::date
                         and (${careRecords.endDate} is null or ${careRecords.endDate} >= ${windowFrom}::date)
                         and (${careRecords.endDate} is null or ${careRecords.startDate} <= ${careRecords.endDate})
                         and ${scopeCondition(scope, { ward: careRecords.wardCode, group: careRecords.residentialGroupCode })}
                     ) as cared
              from ${childCircumstances}
              join ${children} on ${children.id} = ${childCircumstances.childId}
              where ${childCircumstances.kind} = 'group' and ${childCircumstances.groupCode} is not null
                and ${childCircumstances.startDate} <= ${asOf}::date
                and (${childCircumstances.endDate} is null or ${childCircumstances.endDate} >= ${asOf}::date)
                and ${scopeCondition(scope, { ward: childCircumstances.wardCode, group: childCircumstances.residentialGroupCode })}
                and ${childOnRegistry(this.context)}
            ) memberships
            group by 1, 2, 3, 4`,
      )
      return rows.map((row) =>
        cell(
          { ward: row.ward, sex: row.sex, ageGroup: row.age_group, groupCode: row.group_code },
          row.cared,
          row.children,
        ),
      )
    })
  }

  /**
   * One grouped pass over the window's incidents and their children: injury accidents, deaths and
   * child-labour cases (one per child per incident, by kind, sex and age group); written reports on
   * time and late (one per incident, by kind); and distinct abused children for each combination of
   * breakdowns asked for, since distinct counts do not add up across kinds or ages (a child abused
   * twice counts once). Each of these is a grouping set of the same scan.
   */
  incidents(): Promise<{
    cases: BreakdownCell[]
    deaths: BreakdownCell[]
    written: BreakdownCell[]
    abused: CellsFor
  }> {
    return this.once('incidents', async () => {
      const { tx, scope, cutoff } = this.context
      const incidentDimensions = ['kind', 'sex', 'ageGroup', 'setting'] as const
      type IncidentDimension = (typeof incidentDimensions)[number]
      const columns: Record<IncidentDimension, SQL> = {
        kind: sql.raw('kind'),
        sex: sql.raw('sex'),
        ageGroup: sql.raw('age_group'),
        setting: sql.raw('setting'),
      }
      // grouping(kind, sex, age_group, setting): a bit for each dimension a set leaves out, kind the highest.
      const maskOf = (set: readonly Dimension[]) =>
        incidentDimensions.reduce((mask, dimension) => (mask << 1) | (set.includes(dimension) ? 0 : 1), 0)
      const sets = new Map<number, readonly IncidentDimension[]>()
      for (const set of [
        ['kind', 'sex', 'ageGroup', 'setting'],
        ['kind'],
        [],
        ...(this.context.breakdowns.get('incidents.abused_children_count') ?? []),
      ] as (readonly IncidentDimension[])[]) {
        sets.set(maskOf(set), set)
      }
      const groupingSets = [...sets.values()].map(
        (set) => sql`(${sql.join([sql.raw('ward'), ...set.map((d) => columns[d])], sql`, `)})`,
      )
      const inKinds = (kinds: readonly IncidentKind[]) => sql`${incidents.kind} = any(${textArray(kinds)})`
      const submitted = incidents.writtenReportSubmittedAt
      const due = incidents.writtenReportDueAt
      const before = sql`${cutoff.toISOString()}::timestamptz`
      const rows = await queryRows<{
        ward: string
        kind: string | null
        sex: string | null
        age_group: string | null
        setting: string | null
        aggregated: number
        cases: number
        deaths: number
        abused: number
        on_time: number
        late: number
      }>(
        tx,
        sql`select ward, kind, sex, age_group, setting, grouping(kind, sex, age_group, setting)::int as aggregated,
                   count(child_key) filter (where counted)::int as cases,
                   count(child_key) filter (where death)::int as deaths,
                   count(distinct child_key) filter (where abuse)::int as abused,
                   count(distinct incident_id) filter (where on_time)::int as on_time,
                   count(distinct incident_id) filter (where late)::int as late
            from (
              select ${incidents.id} as incident_id, ${homeWard(this.context.projection, 'incident')} as ward, ${incidents.kind} as kind,
                     coalesce(${incidentChildren.sex}, 'unknown') as sex, ${incidentAgeGroup()} as age_group,
                     coalesce(${incidents.setting}, 'unknown') as setting,
                     coalesce(${incidentChildren.childId}::text, ${incidentChildren.id}::text) as child_key,
                     ${inKinds([...injuryKinds, 'child_labour'])} as counted,
                     ${inKinds([...injuryKinds])} and coalesce(${incidents.injuryOutcome} = 'death', false) as death,
                     ${inKinds(abuseKinds)} as abuse,
                     ${incidents.writtenReportRequired} and coalesce(${submitted} < ${before} and ${submitted} <= ${due}, false) as on_time,
                     ${incidents.writtenReportRequired} and case when ${submitted} < ${before} then ${submitted} > ${due} else ${due} < ${before} end as late
              from ${incidents}
              left join ${incidentChildren} on ${incidentChildren.incidentId} = ${incidents.id}
                and ${scopeCondition(scope, { ward: incidentChildren.wardCode, group: incidentChildren.residentialGroupCode })}
              where ${incidentInWindow(this.context, incidentKinds)}
            ) involved
            group by grouping sets (${sql.join(groupingSets, sql`, `)})`,
      )
      const finest = rows.filter((row) => row.aggregated === 0)
      const key = (row: (typeof rows)[number]) => ({
        ward: row.ward,
        kind: row.kind!,
        sex: row.sex!,
        ageGroup: row.age_group!,
        setting: row.setting!,
      })
      return {
        cases: finest.filter((row) => row.cases > 0).map((row) => cell(key(row), row.cases)),
        deaths: finest.filter((row) => row.deaths > 0).map((row) => cell(key(row), row.deaths)),
        written: rows
          .filter((row) => row.aggregated === maskOf(['kind']))
          .map((row) => cell({ ward: row.ward, kind: row.kind! }, row.on_time, row.on_time + row.late)),
        abused: (set) =>
          rows
            .filter((row) => row.aggregated === maskOf(set))
            .map((row) => {
              const cellKey: Record<string, string> = { ward: row.ward }
              if (row.kind !== null) cellKey.kind = row.kind
              if (row.sex !== null) cellKey.sex = row.sex
              if (row.age_group !== null) cellKey.ageGroup = row.age_group
              if (row.setting !== null) cellKey.setting = row.setting
              return cell(cellKey, row.abused)
            }),
      }
    })
  }

  /** Child-labour cases supported promptly (numerator) among those judged by the end of the window. */
  childLabourSupport(): Promise<BreakdownCell[]> {
    return this.once('childLabourSupport', async () => {
      const { tx, scope, cutoff } = this.context
      const rows = await queryRows<{
        ward: string
        sex: string
        age_group: string
        received_at: string | Date
        emergency: boolean
        plan_at: unknown
        protection_at: unknown
      }>(
        tx,
        sql`select ${homeWard(this.context.projection, 'incident')} as ward, coalesce(${incidentChildren.sex}, 'unknown') as sex, ${incidentAgeGroup()} as age_group,
                   ${incidents.receivedAt} as received_at, ${incidents.emergency} as emergency, steps.plan_at, steps.protection_at
            from ${incidents}
            join ${incidentChildren} on ${incidentChildren.incidentId} = ${incidents.id}
            cross join lateral (
              select min(${incidentSteps.at}) filter (where ${incidentSteps.step} = 'support_plan') as plan_at,
                     min(${incidentSteps.at}) filter (where ${incidentSteps.step} = 'emergency_protection') as protection_at
              from ${incidentSteps}
              where ${incidentSteps.incidentId} = ${incidents.id} and ${incidentSteps.step} in ('support_plan', 'emergency_protection')
                and ${scopeCondition(scope, { ward: incidentSteps.wardCode, group: incidentSteps.residentialGroupCode })}
            ) steps
            where ${incidentInWindow(this.context, ['child_labour'])}
              and ${scopeCondition(scope, { ward: incidentChildren.wardCode, group: incidentChildren.residentialGroupCode })}`,
      )
      const cells: BreakdownCell[] = []
      for (const row of rows) {
        const outcome = childLabourSupport(
          {
            receivedAt: instant(row.received_at)!,
            emergency: row.emergency,
            supportPlanAt: instant(row.plan_at),
            emergencyProtectionAt: instant(row.protection_at),
          },
          this.caseDeadlines,
          cutoff,
        )
        if (outcome !== 'pending')
          cells.push(cell({ ward: row.ward, sex: row.sex, ageGroup: row.age_group }, outcome === 'prompt' ? 1 : 0, 1))
      }
      return cells
    })
  }

  /**
   * Cases whose support-plan deadline falls in the window, one per incident by kind: made by the deadline
   * (numerator) among those judged (rules.ts supportPlanTimeliness). Deadlines are counted per case on the
   * working calendar, so the cases read are those received late enough for theirs to reach the window.
   */
  supportPlans(): Promise<BreakdownCell[]> {
    return this.once('supportPlans', async () => {
      const { tx, scope, deadlines, cutoff, windowFrom } = this.context
      const window = windowBounds(this.context)
      const earliest = earliestReceiptDueFrom('support_plan', windowFrom, deadlines)
      const rows = await queryRows<{
        ward: string
        kind: string
        received_at: string | Date
        closed_at: unknown
        plan_at: unknown
      }>(
        tx,
        sql`select ${homeWard(this.context.projection, 'incident')} as ward, ${incidents.kind} as kind,
                   ${incidents.receivedAt} as received_at, ${incidents.closedAt} as closed_at,
                   (select min(${incidentSteps.at}) from ${incidentSteps}
                    where ${incidentSteps.incidentId} = ${incidents.id} and ${incidentSteps.step} = 'support_plan'
                      and ${scopeCondition(scope, { ward: incidentSteps.wardCode, group: incidentSteps.residentialGroupCode })}) as plan_at
            from ${incidents}
            where ${incidentRead(this.context)}
              and ${incidents.receivedAt} >= ${earliest.toISOString()}::timestamptz
              and ${incidents.receivedAt} < ${window.to.toISOString()}::timestamptz`,
      )
      const cells: BreakdownCell[] = []
      for (const row of rows) {
        const timeliness = supportPlanTimeliness(
          {
            receivedAt: instant(row.received_at)!,
            supportPlanAt: instant(row.plan_at),
            closedAt: instant(row.closed_at),
          },
          this.caseDeadlines,
          window,
          cutoff,
        )
        if (timeliness !== null)
          cells.push(cell({ ward: row.ward, kind: row.kind }, timeliness === 'on_time' ? 1 : 0, 1))
      }
      return cells
    })
  }

  /**
   * Referrals whose answer was due in the window, by urgency: answered by their due instant (numerator)
   * among those answered, or still unanswered once due. Each counts in the window its due instant falls in;
   * one withdrawn unanswered by then was owed no answer. A referral counts at its case's ward.
   */
  referralAnswers(): Promise<BreakdownCell[]> {
    return this.once('referralAnswers', async () => {
      const { tx, scope, cutoff } = this.context
      const before = sql`${cutoff.toISOString()}::timestamptz`
      const answered = sql`${referrals.respondedAt} < ${before}`
      const rows = await queryRows<{ ward: string; urgency: string; on_time: number; judged: number }>(
        tx,
        sql`select ${homeWard(this.context.projection, 'incident')} as ward, ${referrals.urgency} as urgency,
                   count(*) filter (where ${answered} and ${referrals.respondedAt} <= ${referrals.dueAt})::int as on_time,
                   count(*)::int as judged
            from ${referrals}
            join ${incidents} on ${incidents.id} = ${referrals.incidentId}
            where ${incidentRead(this.context)}
              and ${scopeCondition(scope, { ward: referrals.wardCode, group: referrals.residentialGroupCode })}
              and ${inWindow(this.context, referrals.dueAt)}
              and (${answered} or (${referrals.dueAt} < ${before}
                   and (${referrals.closedAt} is null or ${referrals.closedAt} > ${referrals.dueAt} or ${referrals.respondedAt} is not null)))
            group by 1, 2`,
      )
      return rows.map((row) => cell({ ward: row.ward, urgency: row.urgency }, row.on_time, row.judged))
    })
  }

  /** Cases closed in the window, one per incident, by kind and coded closure reason. */
  closures(): Promise<BreakdownCell[]> {
    return this.once('closures', async () => {
      const { tx, cutoff } = this.context
      const rows = await queryRows<{ ward: string; kind: string; closure_reason: string; cases: number }>(
        tx,
        sql`select ${homeWard(this.context.projection, 'incident')} as ward, ${incidents.kind} as kind,
                   case when ${incidents.closureReason} = any(${textArray(closureReasons)}) then ${incidents.closureReason} else 'unknown' end as closure_reason,
                   count(*)::int as cases
            from ${incidents}
            where ${incidentRead(this.context)}
              and ${inWindow(this.context, incidents.closedAt)}
              and ${incidents.closedAt} < ${cutoff.toISOString()}::timestamptz
            group by 1, 2, 3`,
      )
      return rows.map((row) => cell({ ward: row.ward, kind: row.kind, closureReason: row.closure_reason }, row.cases))
    })
  }

  /** Each ward's reports of the plan year: whether its ward plan was submitted, and the timeliness of each period due. */
  wardReports(): Promise<{ withPlan: BreakdownCell[]; onTime: BreakdownCell[] }> {
    return this.once('wardReports', async () => {
      const { tx, wards, periods, cutoff, asOf, windowFrom } = this.context
      const rows = await tx
        .select({
          unitCode: reports.unitCode,
          periodCode: reports.periodCode,
          firstSubmittedAt: reports.firstSubmittedAt,
          timeliness: reports.timeliness,
        })
        .from(reports)
        .where(
          sql`${reports.level} = 'ward' and ${reports.unitCode} = any(${textArray(wards)}) and ${reports.periodCode} = any(${textArray(periods.map((p) => p.code))})`,
        )
      const submitted = new Map<string, Timeliness>()
      for (const row of rows) {
        if (row.firstSubmittedAt && row.firstSubmittedAt.getTime() < cutoff.getTime() && row.timeliness)
          submitted.set(`${row.unitCode} ${row.periodCode}`, row.timeliness)
      }
      const plan = periods.find((period) => period.kind === 'ward_plan')
      const due = periods.filter((period) => period.dueDate >= windowFrom && period.dueDate <= asOf)
      const withPlan: BreakdownCell[] = []
      const onTime: BreakdownCell[] = []
      for (const ward of wards) {
        withPlan.push(cell({ ward }, plan && submitted.has(`${ward} ${plan.code}`) ? 1 : 0, 1))
        for (const period of due) {
          const timeliness = submitted.get(`${ward} ${period.code}`) ?? submissionTimeliness(period, null, cutoff)
          if (timeliness !== 'not_due') onTime.push(cell({ ward }, timeliness === 'on_time' ? 1 : 0, 1))
        }
      }
      return { withPlan, onTime }
    })
  }

  /** Wards whose latest decided child-friendly assessment recognised them. */
  recognisedWards(): Promise<BreakdownCell[]> {
    return this.once('recognisedWards', async () => {
      const { tx, wards, cutoff } = this.context
      const rows = await queryRows<{ ward: string; recognised: boolean | null }>(
        tx,
        sql`select distinct on (${assessments.wardCode}) ${assessments.wardCode} as ward, ${assessments.recognised} as recognised
            from ${assessments}
            where ${assessments.state} = 'decided' and ${assessments.decidedAt} < ${cutoff.toISOString()}::timestamptz
              and ${assessments.wardCode} = any(${textArray(wards)})
            order by ${assessments.wardCode}, ${assessments.decidedAt} desc`,
      )
      const recognised = new Set(rows.filter((row) => row.recognised === true).map((row) => row.ward))
      return wards.map((ward) => cell({ ward }, recognised.has(ward) ? 1 : 0, 1))
    })
  }
}

const additive =
  (load: (source: MeasureSource) => Promise<BreakdownCell[]>): Measure =>
  async (source) => {
    const cells = await load(source)
    return (set) => fold(cells, set)
  }

/** Special-circumstance children (denominator) and those cared for: once per child, or per child and group when a breakdown asks for groups. */
const specialCircumstanceCells: Measure = async (source, sets) => {
  const perChild = (await source.registry()).special
  const byGroup = sets.some((set) => set.includes('groupCode')) ? await source.specialByGroup() : []
  return (set) => fold(set.includes('groupCode') ? byGroup : perChild, set)
}

/** Each measure key of the indicator definitions, as implemented here. A definition whose measure is missing is shown as not available. */
export const measures: Record<string, Measure> = {
  'registry.children_count': additive(async (source) => (await source.registry()).children),
  'registry.under6_children_count': additive(async (source) => (await source.registry()).under6),
  'registry.under6_bhyt_share': additive(async (source) => (await source.registry()).carded),
  'registry.special_circumstance_children_count': async (source, sets) => {
    const cells = await specialCircumstanceCells(source, sets)
    return (set) => cells(set).map((c) => cell(c.key, c.denominator))
  },
  'registry.special_circumstance_cared_share': specialCircumstanceCells,
  'incidents.abused_children_count': async (source) => (await source.incidents()).abused,
  'incidents.injury_cases_count': additive(async (source) =>
    (await source.incidents()).cases.filter((c) => injuryKinds.has(c.key.kind as IncidentKind)),
  ),
  'incidents.injury_deaths_count': additive(async (source) => (await source.incidents()).deaths),
  'incidents.child_labour_cases_count': additive(async (source) =>
    (await source.incidents()).cases.filter((c) => c.key.kind === 'child_labour'),
  ),
  'incidents.child_labour_supported_timely_share': additive((source) => source.childLabourSupport()),
  'incidents.written_report_on_time_share': additive(async (source) => (await source.incidents()).written),
  'incidents.support_plan_on_time_share': additive((source) => source.supportPlans()),
  'incidents.referrals_answered_on_time_share': additive((source) => source.referralAnswers()),
  'incidents.closed_cases_count': additive((source) => source.closures()),
  'reports.wards_with_plan_count': additive(async (source) => (await source.wardReports()).withPlan),
  'reports.periodic_on_time_share': additive(async (source) => (await source.wardReports()).onTime),
  'assessments.wards_recognised_count': additive((source) => source.recognisedWards()),
}
