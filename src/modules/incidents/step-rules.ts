/**
 * The Decree 56 step deadlines as versioned data: the version in force, its history, and an
 * administrator's correction. A correction is a new version from its effective date: cases received
 * before it keep the deadlines they had; the stored next-step deadline of every open case follows in the
 * same transaction (run under the system scope: every ward's cases follow).
 */
import { sql } from 'drizzle-orm'
import type { FastifyRequest } from 'fastify'
import type { Static } from 'typebox'
import type { Executor } from '../../db/client.js'
import { audit } from '../../platform/audit.js'
import { staleVersion } from '../../platform/concurrency.js'
import { bodyErrors, unprocessable } from '../../platform/problem.js'
import { inScope, systemScope } from '../../platform/scope.js'
import { followStepDeadlines } from '../calendar/follow.js'
import {
  insertStepRuleVersion,
  latestStepRuleVersion,
  listStepRuleVersionRows,
  loadDeadlineRules,
  type StepRuleVersionRow,
} from './repository.js'
import { stepRuleProblems } from './rules.js'
import type { PutCaseStepRulesBody } from './schemas.js'

function toVersion(row: StepRuleVersionRow) {
  return {
    version: row.version,
    effectiveFrom: row.effectiveFrom,
    legalBasis: row.legalBasis,
    rules: row.rules,
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

/** Publishes a new version at `expectedVersion`, from a date no earlier than the version it follows. */
export async function publishCaseStepRules(
  request: FastifyRequest,
  body: Static<typeof PutCaseStepRulesBody>,
  expectedVersion: number,
) {
  const { database, clock } = request.server
  const problems = stepRuleProblems(body.rules)
  if (problems.length > 0)
    throw unprocessable('invalid_step_rules', 'The step deadlines cannot be published.', bodyErrors(problems))
  const now = clock.now()
  await inScope(database.db, systemScope, async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext('case_step_rules'))`)
    const current = await latestStepRuleVersion(tx)
    if (!current || current.version !== expectedVersion) throw staleVersion(current?.version ?? 0)
    if (body.effectiveFrom < current.effectiveFrom) {
      throw unprocessable('invalid_step_rules', 'The step deadlines cannot be published.', [
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
      source: 'admin',
      note: body.note ?? null,
      publishedAt: now,
      publishedBy: request.principal?.id ?? null,
    })
    const incidentsRescheduled = await followStepDeadlines(tx, await loadDeadlineRules(tx), now)
    await audit(tx, request, {
      action: 'case_step_rules.publish',
      resourceType: 'case_step_rules',
      resourceId: String(current.version + 1),
      outcome: 'success',
      details: { effectiveFrom: body.effectiveFrom, steps: body.rules.map((rule) => rule.step), incidentsRescheduled },
    })
  })
  return caseStepRules(database.db)
}
