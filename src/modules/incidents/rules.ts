/**
 * Domain rules of case incidents: the 24-hour written-report duty of the district plan (section V)
 * and the Decree 56/2017 case process. Pure: every function takes `now` and the calendar as inputs.
 */
import {
  addDays,
  localDateOf,
  localDayNumber,
  missingCalendarYears,
  startOfLocalDay,
  workingDaysDeadline,
  type WorkingCalendar,
} from '../calendar/rules.js'

const hourMs = 60 * 60 * 1000

export const incidentKinds = [
  'sexual_abuse',
  'violence',
  'exploitation',
  'child_labour',
  'trafficking',
  'abandonment',
  'neglect',
  'injury_accident',
  'drowning',
  'other_rights_violation',
  'other_harm',
] as const
export type IncidentKind = (typeof incidentKinds)[number]

/**
 * Incident kinds that are abuse, the one definition the indicators and the Decision 06 suggestions count
 * (xâm hại trẻ em, Child Law 2016 Art. 4(8)): violence, exploitation
 * (child labour against the law is a form of it), sexual abuse, trafficking, abandonment and neglect,
 * and the other forms of harm Circular 13/2021/TT-BLĐTBXH counts with them. Injury accidents and other
 * rights violations are not abuse.
 */
export const abuseKinds: readonly IncidentKind[] = incidentKinds.filter(
  (kind) => kind !== 'injury_accident' && kind !== 'drowning' && kind !== 'other_rights_violation',
)

/**
 * Where the abuse took place, the breakdown Circular 13/2021/TT-BLĐTBXH asks of the abused children:
 * in the family, at school, in the community, online, or elsewhere.
 */
export const incidentSettings = ['family', 'school', 'community', 'online', 'other'] as const

export const sexualAbuseSubKinds = [
  'rape',
  'forcible_sex',
  'intercourse_with_child',
  'molestation',
  'prostitution',
  'pornography',
] as const

export const channels = ['hotline_111', 'phone', 'in_person', 'police', 'school', 'health', 'other'] as const

export const timePrecisions = ['exact', 'day', 'approximate'] as const
export type TimePrecision = (typeof timePrecisions)[number]

/** Injury accidents (tai nạn thương tích) are reported apart from abuse, and drowning is one of them. */
export const injuryKinds: ReadonlySet<IncidentKind> = new Set<IncidentKind>(['injury_accident', 'drowning'])

/** Deaths are counted apart from injuries in the plan's indicators, so the outcome is recorded. */
export const injuryOutcomes = ['treated', 'hospitalised', 'death'] as const

// Child Law 2016 Art. 10 groups that an incident of this kind is evidence for. Only offered when the
// case is closed: membership is a finding (and groups i, l, m are sensitive data), never automatic.
// Group i requires *serious* harm from violence, which is why it is offered and not assigned.
const circumstanceGroupByKind: Partial<Record<IncidentKind, string>> = {
  sexual_abuse: 'l',
  trafficking: 'm',
  violence: 'i',
  exploitation: 'k',
  child_labour: 'k',
  abandonment: 'b',
}

export function circumstanceGroupForKind(kind: IncidentKind): string | null {
  return circumstanceGroupByKind[kind] ?? null
}

// ---------------------------------------------------------------------------------------------
// The written report: "at once by phone, and in writing no later than 1 day after it occurs".

const writtenReportWindowMs = 24 * hourMs
/** Long enough for a ward officer to act within a working day once warned. */
export const dueSoonWindowMs = 6 * hourMs

type ReportDeadlineBasis = 'occurred' | 'detected'

export interface WrittenReportDeadline {
  dueAt: Date
  basis: ReportDeadlineBasis
}

/**
 * When the written report is due, and which instant the 24 hours run from.
 *
 * - The 24 hours run from the later of the occurrence and the moment the unit learned of it: a unit
 *   cannot report what it does not know, so an incident detected late is judged from detection.
 *   Ties go to 'occurred', the plan's own wording.
 * - 'day' precision stores the start of the local day, but the incident may have happened at 23:59;
 *   the 24 hours therefore run from the end of that day (00:00 of the next local day), so a unit is
 *   never late because of a time nobody knew. Detection during that same day does not tighten it.
 * - 'approximate' precision gives no instant anyone can be held to, so detection is the basis.
 */
export function writtenReportDeadline(incident: {
  occurredAt: Date
  occurredAtPrecision: TimePrecision
  detectedAt: Date
}): WrittenReportDeadline {
  const { occurredAt, occurredAtPrecision, detectedAt } = incident
  if (occurredAtPrecision === 'approximate') return { dueAt: after24h(detectedAt), basis: 'detected' }
  const latestOccurrence =
    occurredAtPrecision === 'day' ? startOfLocalDay(addDays(localDateOf(occurredAt), 1)) : occurredAt
  if (detectedAt.getTime() > latestOccurrence.getTime()) return { dueAt: after24h(detectedAt), basis: 'detected' }
  return { dueAt: after24h(latestOccurrence), basis: 'occurred' }
}

function after24h(instant: Date): Date {
  return new Date(instant.getTime() + writtenReportWindowMs)
}

export const complianceStates = ['pending', 'due_soon', 'overdue', 'on_time', 'late'] as const
export type Compliance = (typeof complianceStates)[number]

/**
 * The plan's written-report duty (section V): in writing within one day for violations of children's
 * rights, abuse and exploitation; injury accidents and drowning are reported in the periodic reports.
 * Which kinds it covers is versioned data beside the step deadlines (src/reference/case-step-rules.json,
 * `PUT /v1/rules/case-steps`): an incident is held to the version in force on the day it was received,
 * and keeps the answer on its row (`written_report_required`), which every figure reads: its state, the
 * compliance endpoint, the deadline events and the indicator WRITTEN_REPORT_ON_TIME_PCT.
 */
export function writtenReportRequired(versions: readonly StepRuleVersion[], kind: string, receivedAt: Date): boolean {
  return versionInForce(versions, receivedAt)?.writtenReportKinds.includes(kind) ?? false
}

/** An incident's written-report state: its compliance, or `not_required` for a kind the duty does not cover. */
export type WrittenReportState = Compliance | 'not_required'

export function writtenReportState(
  required: boolean,
  dueAt: Date,
  submittedAt: Date | null,
  now: Date,
): WrittenReportState {
  return required ? writtenReportCompliance(dueAt, submittedAt, now) : 'not_required'
}

/** A report submitted at the very instant it is due is on time; `now` matters only until it is submitted. */
export function writtenReportCompliance(dueAt: Date, submittedAt: Date | null, now: Date): Compliance {
  if (submittedAt) return submittedAt.getTime() <= dueAt.getTime() ? 'on_time' : 'late'
  const remaining = dueAt.getTime() - now.getTime()
  if (remaining < 0) return 'overdue'
  return remaining <= dueSoonWindowMs ? 'due_soon' : 'pending'
}

/**
 * Share of decided reports that were on time. An overdue report counts against the rate already (it
 * can no longer be on time); pending and due_soon are still undecided and are left out.
 */
export function onTimeRate(counts: Record<Compliance, number>): number | null {
  const decided = counts.on_time + counts.late + counts.overdue
  return decided === 0 ? null : counts.on_time / decided
}

// ---------------------------------------------------------------------------------------------
// Time integrity.

export interface RuleViolation {
  code: string
  field: string
  message: string
}

/** Clocks of phones and ward PCs drift; two minutes keeps honest entries from being refused. */
export const clockSkewMs = 2 * 60 * 1000

/**
 * Impossible times in an incident record. `occurredAt` is compared as stored: for 'day' precision
 * that is the start of the day, the earliest possible instant, so only certain impossibilities are
 * flagged.
 */
export function incidentTimeViolations(
  input: { occurredAt: Date; detectedAt: Date; phoneReportedAt?: Date | null },
  now: Date,
): RuleViolation[] {
  const violations: RuleViolation[] = []
  const latestAcceptable = now.getTime() + clockSkewMs
  const times: [string, Date | null | undefined][] = [
    ['occurredAt', input.occurredAt],
    ['detectedAt', input.detectedAt],
    ['phoneReportedAt', input.phoneReportedAt],
  ]
  for (const [field, value] of times) {
    if (value && value.getTime() > latestAcceptable) {
      violations.push({ code: 'time_in_future', field, message: 'must not be in the future' })
    }
  }
  if (input.detectedAt.getTime() < input.occurredAt.getTime()) {
    violations.push({ code: 'detected_before_occurred', field: 'detectedAt', message: 'must not be before occurredAt' })
  }
  if (input.phoneReportedAt && input.phoneReportedAt.getTime() < input.occurredAt.getTime()) {
    violations.push({
      code: 'phone_report_before_occurrence',
      field: 'phoneReportedAt',
      message: 'must not be before occurredAt',
    })
  }
  return violations
}

/** The submission instant is the server's, so this is the only question left about a late report. */
export function lateReasonRequired(dueAt: Date, submittedAt: Date): boolean {
  return submittedAt.getTime() > dueAt.getTime()
}

export interface ReportStanding {
  dueAt: Date
  compliance: WrittenReportState
}

const failing: ReadonlySet<WrittenReportState> = new Set<WrittenReportState>(['late', 'overdue'])

/**
 * Effect of editing occurrence or detection times on the report duty. `changed`: the caller must ask
 * for a reason and audit it. `improved`: the edit would clear a failure (late → on time, or overdue →
 * not yet due), which is how a late report gets hidden, so it is never to be accepted silently.
 */
export function recomputeAfterEdit(
  before: ReportStanding,
  after: ReportStanding,
): { changed: boolean; improved: boolean } {
  const changed = before.dueAt.getTime() !== after.dueAt.getTime() || before.compliance !== after.compliance
  const improved = failing.has(before.compliance) && !failing.has(after.compliance)
  return { changed, improved }
}

// ---------------------------------------------------------------------------------------------
// The Decree 56/2017 case process (Mẫu 01–05 and follow-up).

export const caseSteps = [
  'receipt',
  'initial_assessment',
  'emergency_protection',
  'specific_assessment',
  'support_plan',
  'plan_approval',
  'implementation',
  'monitoring',
  'closure',
] as const
export type CaseStep = (typeof caseSteps)[number]

// What may follow each step. Closure right after initial assessment covers reports that turn out not
// to be child-protection cases or are transferred to another unit. Monitoring repeats until closure.
const successors: Record<CaseStep, readonly CaseStep[]> = {
  receipt: ['initial_assessment'],
  initial_assessment: ['emergency_protection', 'specific_assessment', 'closure'],
  emergency_protection: ['specific_assessment'],
  specific_assessment: ['support_plan'],
  support_plan: ['plan_approval'],
  plan_approval: ['implementation'],
  implementation: ['monitoring'],
  monitoring: ['monitoring', 'closure'],
  closure: [],
}

/**
 * The steps that may be recorded next, `done` being the steps recorded so far in order.
 *
 * Emergency protection is offered only for an emergency, and then it is the *only* step after
 * initial assessment: a child at serious risk must not skip protection or have the case closed before
 * it. Once specific assessment is recorded its window has passed. History is checked without the
 * emergency flag, because the flag may be changed after the fact; a history this function could not
 * have produced offers nothing, so bad data surfaces instead of being built on.
 */
export function allowedNextSteps(done: readonly CaseStep[], emergency: boolean): CaseStep[] {
  let last: CaseStep | null = null
  for (const step of done) {
    const possible: readonly CaseStep[] = last === null ? ['receipt'] : successors[last]
    if (!possible.includes(step)) return []
    last = step
  }
  if (last === null) return ['receipt']
  if (last === 'initial_assessment') return emergency ? ['emergency_protection'] : ['specific_assessment', 'closure']
  return [...successors[last]]
}

export interface StepDeadlineRule {
  step: CaseStep
  kind: 'hours' | 'working_days'
  amount: number
}

/** What a case's deadlines are counted with: the working calendar and every version of the step deadlines. */
export interface DeadlineRules {
  calendar: WorkingCalendar
  stepRules: readonly StepRuleVersion[]
}

/** The steps Decree 56 gives a deadline: every version of the rules holds one for each. */
const stepsWithDeadlines: readonly CaseStep[] = [
  'initial_assessment',
  'emergency_protection',
  'specific_assessment',
  'support_plan',
  'plan_approval',
]

/**
 * A version of the case rules (src/reference/case-step-rules.json, or an administrator's correction): the
 * step deadlines and the incident kinds the 24-hour written-report duty covers.
 */
export interface StepRuleVersion {
  version: number
  effectiveFrom: string
  rules: readonly StepDeadlineRule[]
  writtenReportKinds: readonly string[]
}

/**
 * The rules a case is held to: the version in force on the local day it was received (the latest
 * effective by then), or the earliest version for a case received before any took effect.
 */
function versionInForce(versions: readonly StepRuleVersion[], receivedAt: Date): StepRuleVersion | undefined {
  const day = localDateOf(receivedAt)
  const byEffectiveDate = (a: StepRuleVersion, b: StepRuleVersion) =>
    a.effectiveFrom.localeCompare(b.effectiveFrom) || a.version - b.version
  const effective = versions.filter((version) => version.effectiveFrom <= day).sort(byEffectiveDate)
  return effective.at(-1) ?? [...versions].sort(byEffectiveDate)[0]
}

/** The step deadlines a case is held to (see versionInForce). */
export function rulesInForce(versions: readonly StepRuleVersion[], receivedAt: Date): readonly StepDeadlineRule[] {
  return versionInForce(versions, receivedAt)?.rules ?? []
}

/** What is wrong with the kinds a version says the written-report duty covers: known kinds, each once. */
export function writtenReportKindProblems(
  kinds: readonly string[],
): { pointer: string; message: string; code: string }[] {
  const seen = new Set<string>()
  return kinds.flatMap((kind, i) => {
    const known = (incidentKinds as readonly string[]).includes(kind)
    const repeated = seen.has(kind)
    seen.add(kind)
    if (!known)
      return [{ pointer: `/writtenReportKinds/${i}`, message: `${kind} is not an incident kind`, code: 'unknown_kind' }]
    if (repeated)
      return [{ pointer: `/writtenReportKinds/${i}`, message: `${kind} is listed twice`, code: 'duplicate_kind' }]
    return []
  })
}

/** What is wrong with a set of step deadlines: each step once, and amounts a deadline can be counted in. */
export function stepRuleProblems(
  rules: readonly StepDeadlineRule[],
): { pointer: string; message: string; code: string }[] {
  const problems: { pointer: string; message: string; code: string }[] = []
  const seen = new Set<CaseStep>()
  const missing = stepsWithDeadlines.filter((step) => !rules.some((rule) => rule.step === step))
  if (missing.length > 0)
    problems.push({
      pointer: '/rules',
      message: `each step needs its deadline: ${missing.join(', ')}`,
      code: 'missing_step',
    })
  rules.forEach((rule, i) => {
    if (seen.has(rule.step))
      problems.push({ pointer: `/rules/${i}/step`, message: `${rule.step} has a rule already`, code: 'duplicate_step' })
    seen.add(rule.step)
    const most = rule.kind === 'hours' ? 240 : 60
    if (rule.amount > most)
      problems.push({
        pointer: `/rules/${i}/amount`,
        message: `at most ${most} ${rule.kind === 'hours' ? 'hours' : 'working days'}`,
        code: 'out_of_range',
      })
  })
  // A step that depends on another may not be due before it (counted alike, from the same receipt).
  for (const [earlier, later] of dependentSteps) {
    const first = rules.find((rule) => rule.step === earlier)
    const index = rules.findIndex((rule) => rule.step === later)
    const second = rules[index]
    if (first && second && first.kind === second.kind && second.amount < first.amount)
      problems.push({
        pointer: `/rules/${index}/amount`,
        message: `${later} would be due before ${earlier}, which it follows`,
        code: 'out_of_order',
      })
  }
  return problems
}

const dependentSteps: readonly [CaseStep, CaseStep][] = [
  ['initial_assessment', 'emergency_protection'],
  ['specific_assessment', 'support_plan'],
  ['support_plan', 'plan_approval'],
]

/** Working-day deadlines end at 23:59:59 local time of the N-th working day after the day of receipt. */
export function stepDeadline(
  step: CaseStep,
  receivedAt: Date,
  calendar: WorkingCalendar,
  rules: readonly StepDeadlineRule[],
): Date | null {
  const rule = rules.find((r) => r.step === step)
  if (!rule) return null
  if (rule.kind === 'hours') return new Date(receivedAt.getTime() + rule.amount * hourMs)
  return workingDaysDeadline(receivedAt, rule.amount, calendar)
}

/**
 * `stepDeadline` under the version in force, for many cases at once (an indicator judges a year of them). The
 * version in force depends only on the local day of receipt, and so does a deadline in working days: each is worked
 * out once per day (and step), a deadline in hours from each case's own instant.
 */
export class CaseDeadlines {
  private readonly rulesByDay = new Map<number, readonly StepDeadlineRule[]>()
  /** By step and local day number: the due instant of a deadline in working days. */
  private readonly workingDayDue = new Map<string, number>()

  constructor(private readonly deadlines: DeadlineRules) {}

  of(step: CaseStep, receivedAt: Date): Date | null {
    const day = localDayNumber(receivedAt)
    let rules = this.rulesByDay.get(day)
    if (!rules) this.rulesByDay.set(day, (rules = rulesInForce(this.deadlines.stepRules, receivedAt)))
    if (rules.find((rule) => rule.step === step)?.kind !== 'working_days')
      return stepDeadline(step, receivedAt, this.deadlines.calendar, rules)
    const key = `${step} ${day}`
    let due = this.workingDayDue.get(key)
    if (due === undefined) {
      due = stepDeadline(step, receivedAt, this.deadlines.calendar, rules)!.getTime()
      this.workingDayDue.set(key, due)
    }
    return new Date(due)
  }
}

export interface PendingStepDeadline {
  step: CaseStep
  dueAt: Date
  overdue: boolean
  /** Counted in working days through a year the calendar does not cover: weekends only were skipped there. */
  calendarMissing: boolean
}

/** Whether a step's deadline was counted through a year the working calendar does not hold. */
function countedWithoutCalendar(
  step: CaseStep,
  receivedAt: Date,
  dueAt: Date,
  calendar: WorkingCalendar,
  rules: readonly StepDeadlineRule[],
): boolean {
  const rule = rules.find((r) => r.step === step)
  return (
    rule?.kind === 'working_days' &&
    missingCalendarYears(localDateOf(receivedAt), localDateOf(dueAt), calendar).length > 0
  )
}

type ScheduledStepState = 'met' | 'missed' | 'due' | 'overdue' | 'upcoming' | 'not_reached'

export interface ScheduledStep {
  step: CaseStep
  dueAt: Date
  /** When the step was recorded; null while it is not. */
  recordedAt: Date | null
  state: ScheduledStepState
  /** Not yet open to record (its earlier steps are not done): the deadline stands, the path may change. */
  provisional: boolean
  calendarMissing: boolean
}

/**
 * Every deadline of the case known from its receipt (Decree 56 counts each from it): recorded steps
 * met or missed, open ones due or overdue, later ones upcoming (provisional), and, once the case is
 * closed, the ones it never reached. Emergency protection is scheduled only for an emergency.
 */
export function caseSchedule(
  done: readonly { step: CaseStep; at: Date }[],
  incident: { emergency: boolean; receivedAt: Date; closed: boolean },
  calendar: WorkingCalendar,
  now: Date,
  rules: readonly StepDeadlineRule[],
): ScheduledStep[] {
  const ordered = [...done].sort((a, b) => a.at.getTime() - b.at.getTime())
  const open = new Set(
    incident.closed
      ? []
      : allowedNextSteps(
          ordered.map((d) => d.step),
          incident.emergency,
        ),
  )
  const schedule: ScheduledStep[] = []
  for (const rule of rules) {
    if (rule.step === 'emergency_protection' && !incident.emergency) continue
    const dueAt = stepDeadline(rule.step, incident.receivedAt, calendar, rules)!
    const recorded = ordered.find((d) => d.step === rule.step)?.at ?? null
    const late = now.getTime() > dueAt.getTime()
    const state: ScheduledStepState = recorded
      ? recorded.getTime() <= dueAt.getTime()
        ? 'met'
        : 'missed'
      : incident.closed
        ? 'not_reached'
        : late
          ? 'overdue'
          : open.has(rule.step)
            ? 'due'
            : 'upcoming'
    schedule.push({
      step: rule.step,
      dueAt,
      recordedAt: recorded,
      state,
      provisional: state === 'upcoming' || (state === 'overdue' && !open.has(rule.step)),
      calendarMissing: countedWithoutCalendar(rule.step, incident.receivedAt, dueAt, calendar, rules),
    })
  }
  return schedule
}

/** Deadlines of the steps that may be recorded next; `done` is ordered by its instants (stable on ties). */
export function pendingStepDeadlines(
  done: readonly { step: CaseStep; at: Date }[],
  emergency: boolean,
  receivedAt: Date,
  calendar: WorkingCalendar,
  now: Date,
  rules: readonly StepDeadlineRule[],
): PendingStepDeadline[] {
  const ordered = [...done].sort((a, b) => a.at.getTime() - b.at.getTime())
  const recorded = new Set(ordered.map((d) => d.step))
  const pending: PendingStepDeadline[] = []
  for (const step of allowedNextSteps(
    ordered.map((d) => d.step),
    emergency,
  )) {
    if (recorded.has(step)) continue
    const dueAt = stepDeadline(step, receivedAt, calendar, rules)
    if (dueAt)
      pending.push({
        step,
        dueAt,
        overdue: now.getTime() > dueAt.getTime(),
        calendarMissing: countedWithoutCalendar(step, receivedAt, dueAt, calendar, rules),
      })
  }
  return pending
}
