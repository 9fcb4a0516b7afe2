/**
 * The content of the Decree 56/2017 case steps as forms (Mẫu 01–05 and the reviews): which form may be
 * written at which point of the case, what each must hold, what of it is sensitive, and the closure
 * reasons. Pure: the clock, the case and the other forms come in as arguments.
 */
import { canonicalJson } from '../../platform/canonical-json.js'
import { localDateOf } from '../calendar/rules.js'
import { allowedNextSteps, clockSkewMs, type CaseStep } from './rules.js'

export const formKinds = [
  'intake',
  'initial_assessment',
  'specific_assessment',
  'support_plan',
  'reviews',
  'closure',
] as const
export type FormKind = (typeof formKinds)[number]

/** The step each form is the content of. Reviews record the implementation and its monitoring. */
export const formSteps: Readonly<Record<FormKind, CaseStep>> = {
  intake: 'receipt',
  initial_assessment: 'initial_assessment',
  specific_assessment: 'specific_assessment',
  support_plan: 'support_plan',
  reviews: 'implementation',
  closure: 'closure',
}

/** Forms the ward chair approves (plans:approve) before they take effect. */
export const approvedForms: ReadonlySet<FormKind> = new Set<FormKind>(['support_plan', 'closure'])

/** How the case came to the ward (who reported it, and how). */
export const intakeChannels = [
  'hotline_111',
  'school',
  'neighbour',
  'police',
  'self',
  'family',
  'health_facility',
  'other',
] as const

export const riskLevels = ['low', 'medium', 'high'] as const
export type RiskLevel = (typeof riskLevels)[number]

/**
 * The criteria of the initial risk assessment, each with the least risk level it allows: a child seriously
 * hurt, sexually abused, still within the perpetrator's reach or without a safe caregiver is at high risk.
 */
const riskCriteria = {
  serious_injury: 'high',
  sexual_abuse: 'high',
  perpetrator_has_access: 'high',
  no_safe_caregiver: 'high',
  repeated_harm: 'medium',
  child_under_6: 'medium',
  disability_or_illness: 'medium',
  caregiver_unable_to_protect: 'medium',
  emotional_distress: 'low',
  out_of_school: 'low',
} as const satisfies Record<string, RiskLevel>
export type RiskCriterion = keyof typeof riskCriteria
export const riskCriterionCodes = Object.keys(riskCriteria) as RiskCriterion[]

export const emergencyActions = [
  'moved_to_safe_place',
  'medical_care',
  'police_notified',
  'separated_from_perpetrator',
  'placed_with_relative',
  'shelter',
  'other',
] as const

export const needDomains = [
  'safety',
  'health',
  'education',
  'family',
  'psychosocial',
  'legal',
  'economic',
  'care',
] as const

export const priorities = ['low', 'medium', 'high'] as const

export const goalProgress = ['not_started', 'in_progress', 'achieved', 'not_achieved'] as const

/**
 * Why a case is closed. `not_a_protection_case` is for a report the initial assessment finds is not one;
 * `goals_met` needs an approved plan. The code is what the incident keeps as its closure reason.
 */
export const closureReasons = [
  'goals_met',
  'moved_away',
  'transferred',
  'turned_16',
  'death',
  'not_a_protection_case',
  'other',
] as const
export type ClosureReason = (typeof closureReasons)[number]

export interface FormProblem {
  pointer: string
  message: string
  code: string
}

/** Why a form cannot be written now, or null when it can. */
export interface FormRefusal {
  code: 'case_closed' | 'form_not_open'
  message: string
}

/**
 * A form may be written once its step may be recorded (the step before it is done) and for as long as the
 * case is open; reviews once the plan is approved. A closed case's forms are its record and stay as they are.
 */
export function formWriteRefusal(
  kind: FormKind,
  done: readonly CaseStep[],
  emergency: boolean,
  closed: boolean,
): FormRefusal | null {
  if (closed) return { code: 'case_closed', message: 'The case is closed: its forms are kept as they were.' }
  const step = formSteps[kind]
  if (done.includes(step) || allowedNextSteps(done, emergency).includes(step)) return null
  return {
    code: 'form_not_open',
    message: `The ${kind} form belongs to the ${step} step, which cannot come yet.`,
  }
}

// ---------------------------------------------------------------------------------------------
// What each form must hold.

/** What a form's checks know of the case beside the form itself. */
export interface FormContext {
  receivedAt: Date
  now: Date
  done: readonly CaseStep[]
  /** The current plan's goal codes, and whether that plan is approved; null without a plan. */
  plan: { goalCodes: readonly string[]; approved: boolean } | null
  /** The need domains of the specific assessment; null before it is written. */
  assessedDomains: readonly string[] | null
}

const rank: Record<RiskLevel, number> = { low: 0, medium: 1, high: 2 }

/** The least risk level the criteria allow (low without any). */
export function leastRiskLevel(criteria: readonly RiskCriterion[]): RiskLevel {
  return criteria.reduce<RiskLevel>(
    (level, code) => (rank[riskCriteria[code]] > rank[level] ? riskCriteria[code] : level),
    'low',
  )
}

function instantProblems(pointer: string, value: string | null | undefined, context: FormContext): FormProblem[] {
  if (!value) return []
  const at = new Date(value).getTime()
  if (at > context.now.getTime() + clockSkewMs)
    return [{ pointer, message: 'must not be in the future', code: 'date_in_future' }]
  return []
}

function dayProblems(pointer: string, day: string | null | undefined, context: FormContext): FormProblem[] {
  if (!day) return []
  if (day > localDateOf(context.now)) return [{ pointer, message: 'must not be in the future', code: 'date_in_future' }]
  if (day < localDateOf(context.receivedAt))
    return [{ pointer, message: 'must not be before the case was received', code: 'before_receipt' }]
  return []
}

function repeated<T>(values: readonly T[]): Set<number> {
  const seen = new Set<T>()
  const indexes = new Set<number>()
  values.forEach((value, index) => {
    if (seen.has(value)) indexes.add(index)
    seen.add(value)
  })
  return indexes
}

export interface IntakeContent {
  receivedAt: string
  channel: (typeof intakeChannels)[number]
  channelDetail?: string | null
  reporter?: { anonymous: boolean; name?: string | null; phone?: string | null; relationship?: string | null }
  account?: string | null
}

export function intakeProblems(form: IntakeContent, context: FormContext): FormProblem[] {
  const problems = instantProblems('/receivedAt', form.receivedAt, context)
  if (new Date(form.receivedAt).getTime() > context.receivedAt.getTime())
    problems.push({
      pointer: '/receivedAt',
      message: 'must not be after the ward received the case',
      code: 'after_case_receipt',
    })
  if (form.channel === 'other' && !form.channelDetail)
    problems.push({ pointer: '/channelDetail', message: 'says how, for channel other', code: 'detail_required' })
  if (form.reporter && !form.reporter.anonymous && !form.reporter.name)
    problems.push({
      pointer: '/reporter/name',
      message: 'is required unless the reporter is anonymous',
      code: 'reporter_required',
    })
  return problems
}

export interface InitialAssessmentContent {
  assessedAt: string
  riskLevel: RiskLevel
  riskCriteria: RiskCriterion[]
  childSafeNow: boolean
  findings?: string | null
  emergencyResponse: {
    needed: boolean
    respondedAt?: string | null
    actions?: (typeof emergencyActions)[number][]
    note?: string | null
  }
}

/** Decree 56: a child in danger is protected within 12 hours of receipt. */
const emergencyWindowMs = 12 * 60 * 60 * 1000

export function emergencyResponseOnTime(receivedAt: Date, respondedAt: string | null | undefined): boolean | null {
  if (!respondedAt) return null
  return new Date(respondedAt).getTime() - receivedAt.getTime() <= emergencyWindowMs
}

export function initialAssessmentProblems(form: InitialAssessmentContent, context: FormContext): FormProblem[] {
  const problems = instantProblems('/assessedAt', form.assessedAt, context)
  if (new Date(form.assessedAt) < context.receivedAt)
    problems.push({
      pointer: '/assessedAt',
      message: 'must not be before the case was received',
      code: 'before_receipt',
    })
  for (const index of repeated(form.riskCriteria))
    problems.push({ pointer: `/riskCriteria/${index}`, message: 'is listed twice', code: 'duplicate_criterion' })
  const least = leastRiskLevel(form.riskCriteria)
  if (rank[form.riskLevel] < rank[least])
    problems.push({
      pointer: '/riskLevel',
      message: `must be at least ${least} for the criteria given`,
      code: 'risk_level_below_criteria',
    })
  const response = form.emergencyResponse
  if (form.riskLevel === 'high' && !form.childSafeNow && !response.needed)
    problems.push({
      pointer: '/emergencyResponse/needed',
      message: 'a child at high risk and not safe now needs an emergency response',
      code: 'emergency_response_required',
    })
  if (response.needed) {
    if (!response.respondedAt)
      problems.push({
        pointer: '/emergencyResponse/respondedAt',
        message: 'says when the child was protected',
        code: 'emergency_response_incomplete',
      })
    if (!response.actions || response.actions.length === 0)
      problems.push({
        pointer: '/emergencyResponse/actions',
        message: 'says what was done',
        code: 'emergency_response_incomplete',
      })
  }
  problems.push(...instantProblems('/emergencyResponse/respondedAt', response.respondedAt, context))
  if (response.respondedAt && new Date(response.respondedAt) < context.receivedAt)
    problems.push({
      pointer: '/emergencyResponse/respondedAt',
      message: 'must not be before the case was received',
      code: 'before_receipt',
    })
  return problems
}

export interface SpecificAssessmentContent {
  assessedOn: string
  needs: { domain: (typeof needDomains)[number]; priority: (typeof priorities)[number]; description?: string | null }[]
  summary?: string | null
}

export function specificAssessmentProblems(form: SpecificAssessmentContent, context: FormContext): FormProblem[] {
  const problems = dayProblems('/assessedOn', form.assessedOn, context)
  for (const index of repeated(form.needs.map((need) => need.domain)))
    problems.push({ pointer: `/needs/${index}/domain`, message: 'is assessed once', code: 'duplicate_domain' })
  return problems
}

export interface SupportPlanContent {
  goals: {
    code: string
    domain: (typeof needDomains)[number]
    title: string
    actions: {
      key?: string
      service: string
      responsible: { kind: 'agency' | 'person'; name: string; userId?: string | null }
      startOn: string
      dueOn: string
    }[]
  }[]
  notes?: string | null
}

/** An action of a plan as its follow-up sees it: which action, due when, and the officer it names, if any. */
export interface PlanAction {
  key: string
  pointer: string
  dueOn: string
  userId: string | null
}

/** An action's key: the one it is given, else its goal's code and its place in the goal (M1.1, M1.2…). */
const actionKey = (goalCode: string, action: { key?: string }, index: number) =>
  action.key ?? `${goalCode}.${index + 1}`

/**
 * Every action of a plan with its key: the key it is given, else its goal's code and its place in the goal
 * (M1.1, M1.2…). The key is what links an action to its follow-up from one approved version to the next.
 */
export function planActions(plan: SupportPlanContent): PlanAction[] {
  return plan.goals.flatMap((goal, g) =>
    goal.actions.map((action, a) => ({
      key: actionKey(goal.code, action, a),
      pointer: `/goals/${g}/actions/${a}`,
      dueOn: action.dueOn,
      userId: action.responsible.userId ?? null,
    })),
  )
}

/**
 * The plan as it is stored: every action with its key written in, so that a client that sends back the plan it
 * read keeps each action's key (and its follow-up) however the actions are later reordered or removed.
 */
export function withActionKeys(plan: SupportPlanContent): SupportPlanContent {
  return {
    ...plan,
    goals: plan.goals.map((goal) => ({
      ...goal,
      actions: goal.actions.map((action, a) => ({ ...action, key: actionKey(goal.code, action, a) })),
    })),
  }
}

export function supportPlanProblems(form: SupportPlanContent, context: FormContext): FormProblem[] {
  const problems: FormProblem[] = []
  const repeatedGoals = repeated(form.goals.map((goal) => goal.code))
  for (const index of repeatedGoals)
    problems.push({ pointer: `/goals/${index}/code`, message: 'names another goal already', code: 'duplicate_goal' })
  const actions = planActions(form)
  // Two goals of one code key their actions alike: that is the goal's problem, not the actions'.
  if (repeatedGoals.size === 0)
    for (const index of repeated(actions.map((action) => action.key)))
      problems.push({
        pointer: `${actions[index]!.pointer}/key`,
        message:
          'is the key of another action of the plan (an action without a key is keyed by its goal and place, e.g. M1.2)',
        code: 'duplicate_action_key',
      })
  form.goals.forEach((goal, g) => {
    if (context.assessedDomains && !context.assessedDomains.includes(goal.domain))
      problems.push({
        pointer: `/goals/${g}/domain`,
        message: 'is not a need the specific assessment found',
        code: 'domain_not_assessed',
      })
    goal.actions.forEach((action, a) => {
      const at = `/goals/${g}/actions/${a}`
      if (action.startOn < localDateOf(context.receivedAt))
        problems.push({
          pointer: `${at}/startOn`,
          message: 'must not be before the case was received',
          code: 'before_receipt',
        })
      if (action.dueOn < action.startOn)
        problems.push({ pointer: `${at}/dueOn`, message: 'must not be before startOn', code: 'dates_out_of_order' })
      if (action.responsible.userId && action.responsible.kind !== 'person')
        problems.push({
          pointer: `${at}/responsible/userId`,
          message: 'names an officer, so the one responsible is a person',
          code: 'user_for_agency',
        })
    })
  })
  return problems
}

export interface ReviewsContent {
  reviews: {
    reviewedOn: string
    progress: { goalCode: string; status: (typeof goalProgress)[number]; note?: string | null }[]
    notes?: string | null
  }[]
}

export function reviewsProblems(form: ReviewsContent, context: FormContext): FormProblem[] {
  const problems: FormProblem[] = []
  const goals = context.plan?.goalCodes ?? []
  form.reviews.forEach((review, r) => {
    problems.push(...dayProblems(`/reviews/${r}/reviewedOn`, review.reviewedOn, context))
    for (const index of repeated(review.progress.map((entry) => entry.goalCode)))
      problems.push({
        pointer: `/reviews/${r}/progress/${index}/goalCode`,
        message: 'is reviewed once a review',
        code: 'duplicate_goal',
      })
    review.progress.forEach((entry, p) => {
      if (!goals.includes(entry.goalCode))
        problems.push({
          pointer: `/reviews/${r}/progress/${p}/goalCode`,
          message: 'is not a goal of the plan',
          code: 'unknown_goal',
        })
    })
  })
  return problems
}

export interface ClosureContent {
  reason: ClosureReason
  closedOn: string
  transferredTo?: string | null
  detail?: string | null
}

/**
 * The reasons a case may be closed for where it stands: before a plan, only a finding that it is no case,
 * or that it has left the ward's hands; once a plan is made, no longer `not_a_protection_case`.
 */
export function closureReasonsAllowed(done: readonly CaseStep[]): readonly ClosureReason[] {
  const planned = done.includes('support_plan')
  return closureReasons.filter((reason) => (planned ? reason !== 'not_a_protection_case' : reason !== 'goals_met'))
}

export function closureProblems(form: ClosureContent, context: FormContext): FormProblem[] {
  const problems = dayProblems('/closedOn', form.closedOn, context)
  if (!closureReasonsAllowed(context.done).includes(form.reason))
    problems.push({
      pointer: '/reason',
      message: `is not a reason to close the case at this stage; allowed: ${closureReasonsAllowed(context.done).join(', ')}`,
      code: 'reason_not_allowed',
    })
  else if (form.reason === 'goals_met' && !context.plan?.approved)
    problems.push({ pointer: '/reason', message: 'needs an approved plan', code: 'plan_not_approved' })
  if (form.reason === 'transferred' && !form.transferredTo)
    problems.push({ pointer: '/transferredTo', message: 'names where the case went', code: 'transferred_to_required' })
  if (form.reason === 'other' && !form.detail)
    problems.push({ pointer: '/detail', message: 'says why, for reason other', code: 'detail_required' })
  return problems
}

export interface FormContents {
  intake: IntakeContent
  initial_assessment: InitialAssessmentContent
  specific_assessment: SpecificAssessmentContent
  support_plan: SupportPlanContent
  reviews: ReviewsContent
  closure: ClosureContent
}

export function formProblems<K extends FormKind>(kind: K, content: FormContents[K], context: FormContext) {
  const checks: { [Kind in FormKind]: (form: FormContents[Kind], context: FormContext) => FormProblem[] } = {
    intake: intakeProblems,
    initial_assessment: initialAssessmentProblems,
    specific_assessment: specificAssessmentProblems,
    support_plan: supportPlanProblems,
    reviews: reviewsProblems,
    closure: closureProblems,
  }
  return checks[kind](content, context)
}

// ---------------------------------------------------------------------------------------------
// Sensitive parts: who reported, and every narrative (what was reported, found, done and noted).

type Content = Record<string, unknown>

const without = (value: unknown, keys: readonly string[]): unknown => {
  if (typeof value !== 'object' || value === null) return value
  return Object.fromEntries(Object.entries(value).filter(([key]) => !keys.includes(key)))
}
const eachWithout = (list: unknown, keys: readonly string[]) =>
  Array.isArray(list) ? list.map((item) => without(item, keys)) : list

const redactions: Readonly<Record<FormKind, (content: Content) => Content>> = {
  intake: (content) => without(content, ['reporter', 'account']) as Content,
  initial_assessment: (content) => ({
    ...(without(content, ['findings']) as Content),
    ...('emergencyResponse' in content ? { emergencyResponse: without(content.emergencyResponse, ['note']) } : {}),
  }),
  specific_assessment: (content) => ({
    ...(without(content, ['summary']) as Content),
    ...('needs' in content ? { needs: eachWithout(content.needs, ['description']) } : {}),
  }),
  support_plan: (content) => without(content, ['notes']) as Content,
  reviews: (content) =>
    'reviews' in content && Array.isArray(content.reviews)
      ? {
          ...content,
          reviews: content.reviews.map((review: unknown) => {
            const kept = without(review, ['notes']) as Content
            return 'progress' in kept ? { ...kept, progress: eachWithout(kept.progress, ['note']) } : kept
          }),
        }
      : content,
  closure: (content) => without(content, ['detail']) as Content,
}

/**
 * A form's content (or part of it: the members a revision changed) without its sensitive parts, for a
 * reader without incidents:sensitive.
 */
export function withoutSensitive(kind: FormKind, content: Content): Content {
  return redactions[kind](content)
}

export interface FieldChange {
  field: string
  from: unknown
  to: unknown
}

/** Member-by-member differences between two versions of a form's content. */
export function contentChanges(before: Content, after: Content): FieldChange[] {
  const fields = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort()
  return fields.flatMap((field) => {
    const from = before[field] ?? null
    const to = after[field] ?? null
    return canonicalJson(from) === canonicalJson(to) ? [] : [{ field, from, to }]
  })
}

/**
 * A revision's changes as a reader without incidents:sensitive may see them: sensitive members left out,
 * and a change that was only to sensitive parts left out whole (it would still tell that they changed).
 */
export function redactChanges(kind: FormKind, changes: readonly FieldChange[]): FieldChange[] {
  return changes.flatMap((change) => {
    const from = withoutSensitive(kind, { [change.field]: change.from })
    const to = withoutSensitive(kind, { [change.field]: change.to })
    if (!(change.field in from) && !(change.field in to)) return []
    const redacted = { field: change.field, from: from[change.field] ?? null, to: to[change.field] ?? null }
    return canonicalJson(redacted.from) === canonicalJson(redacted.to) ? [] : [redacted]
  })
}
