/**
 * The Decree 56 step deadlines as versioned data: the version in force, its history, and an
 * administrator's correction. A correction is a new version from a later day: cases received before it
 * keep the deadlines they had.
 */
import type { FastifyRequest } from 'fastify'
import type { Static } from 'typebox'
import type { Executor } from '../../db/client.js'
import { audit } from '../../platform/audit.js'
import { staleVersion } from '../../platform/concurrency.js'
import { bodyErrors, unprocessable } from '../../platform/problem.js'
import { followStepDeadlines } from '../calendar/follow.js'
import type { CaseStepRulesData } from '../../reference/index.js'
import { addDays, localDateOf } from '../calendar/rules.js'
import {
  addReferenceStepRules,
  followWrittenReportScope,
  insertStepRuleVersion,
  latestStepRuleVersion,
  listStepRuleVersionRows,
  loadDeadlineRules,
  lockDeadlineRulesForChange,
  type StepRuleVersionRow,
} from './repository.js'
import { stepRuleProblems, writtenReportKindProblems } from './rules.js'
import type { PutCaseStepRulesBody } from './schemas.js'

function toVersion(row: StepRuleVersionRow) {
  return {
    version: row.version,
    effectiveFrom: row.effectiveFrom,
    legalBasis: row.legalBasis,
    rules: row.rules,
    writtenReportKinds: row.writtenReportKinds,
    source: row.source,
    note: row.note,
    publishedAt: row.publishedAt.toISOString(),
    publishedBy: row.publishedBy,
  }
}

/** The latest version with every version before it (oldest first); `version` is the ETag. */
export async function caseStepRules(db: Executor) {
  const rows = await listStepRuleVersionRows(db)
  const latest = rows.at(-1)
  if (!latest) throw new Error('the step deadlines are not seeded')
  return { ...toVersion(latest), versions: rows.map(toVersion) }
}

/**
 * Applies the reference file (a release's correction): when it adds a version, the next-step deadline kept
 * on each open case follows it, as after a calendar change.
 */
export async function applyCaseStepRulesReference(tx: Executor, data: CaseStepRulesData): Promise<void> {
  if (!(await addReferenceStepRules(tx, data))) return
  const rules = await loadDeadlineRules(tx)
  await followStepDeadlines(tx, rules, new Date())
  await followWrittenReportScope(tx, rules.stepRules)
}

/**
 * Publishes a new version at `expectedVersion`, in force from a day after today (Hanoi time): a case is
 * held to the rules of the day it was received, so a correction never reaches back to cases already
 * received, nor their stored step deadlines.
 */
export async function publishCaseStepRules(
  request: FastifyRequest,
  body: Static<typeof PutCaseStepRulesBody>,
  expectedVersion: number,
) {
  const { database, clock } = request.server
  const problems = [...stepRuleProblems(body.rules), ...writtenReportKindProblems(body.writtenReportKinds ?? [])]
  if (problems.length > 0)
    throw unprocessable('invalid_step_rules', 'The case rules cannot be published.', bodyErrors(problems))
  const now = clock.now()
  const tomorrow = addDays(localDateOf(now), 1)
  if (body.effectiveFrom < tomorrow) {
    throw unprocessable('invalid_step_rules', 'The case rules cannot be published.', [
      {
        location: 'body',
        pointer: '/effectiveFrom',
        message: `must be ${tomorrow} or later: cases already received keep the deadlines they were given`,
        code: 'effective_date_past',
      },
    ])
  }
  await database.db.transaction(async (tx) => {
    await lockDeadlineRulesForChange(tx)
    const current = await latestStepRuleVersion(tx)
    if (!current || current.version !== expectedVersion) throw staleVersion(current?.version ?? 0)
    if (body.effectiveFrom < current.effectiveFrom) {
      throw unprocessable('invalid_step_rules', 'The case rules cannot be published.', [
        {
          location: 'body',
          pointer: '/effectiveFrom',
          message: `must not be before ${current.effectiveFrom}, when the version in force took effect`,
          code: 'before_current_version',
        },
      ])
    }
    await insertStepRuleVersion(tx, {
      version: current.version + 1,
      effectiveFrom: body.effectiveFrom,
      legalBasis: body.legalBasis,
      rules: body.rules,
      writtenReportKinds: body.writtenReportKinds ?? current.writtenReportKinds,
      source: 'admin',
      note: body.note ?? null,
      publishedAt: now,
      publishedBy: request.principal?.id ?? null,
    })
    await audit(tx, request, {
      action: 'case_step_rules.publish',
      resourceType: 'case_step_rules',
      resourceId: String(current.version + 1),
      outcome: 'success',
      details: {
        effectiveFrom: body.effectiveFrom,
        steps: body.rules.map((rule) => rule.step),
        writtenReportKinds: body.writtenReportKinds ?? current.writtenReportKinds,
      },
    })
  })
  return caseStepRules(database.db)
}
