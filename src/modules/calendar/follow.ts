/**
 * Deadlines stored from the calendar follow it when it changes. An incident's step deadlines are computed
 * when read, but the earliest of them is kept on the incident (`next_step_due_at`, for sweeps, filters and
 * counts of overdue cases): a calendar change recomputes it for every open incident, in the change's
 * transaction (which must run under the system scope: the incidents of every ward follow).
 */
import { and, eq } from 'drizzle-orm'
import type { Executor } from '../../db/client.js'
import { nextStepFields } from '../incidents/service.js'
import { incidents, incidentSteps } from '../incidents/tables.js'
import type { DeadlineRules } from '../incidents/rules.js'
import { loadDeadlineRules, lockDeadlineRulesForChange } from '../incidents/repository.js'
import type { HolidaysData } from '../../reference/index.js'
import { applyHolidaysReference } from './repository.js'

/** Recomputes the stored next-step deadline of every open incident; answers how many moved. */
export async function followStepDeadlines(tx: Executor, rules: DeadlineRules, now: Date): Promise<number> {
  const open = await tx
    .select({
      id: incidents.id,
      emergency: incidents.emergency,
      receivedAt: incidents.receivedAt,
      status: incidents.status,
      nextStep: incidents.nextStep,
      nextStepDueAt: incidents.nextStepDueAt,
    })
    .from(incidents)
    .where(eq(incidents.status, 'open'))
  if (open.length === 0) return 0
  const steps = await tx
    .select({ incidentId: incidentSteps.incidentId, step: incidentSteps.step, at: incidentSteps.at })
    .from(incidentSteps)
    .innerJoin(incidents, and(eq(incidents.id, incidentSteps.incidentId), eq(incidents.status, 'open')))
  const stepsOf = new Map<string, { step: (typeof steps)[number]['step']; at: Date }[]>()
  for (const row of steps) stepsOf.set(row.incidentId, [...(stepsOf.get(row.incidentId) ?? []), row])
  let moved = 0
  for (const row of open) {
    const next = nextStepFields(row, stepsOf.get(row.id) ?? [], rules, now)
    if (next.nextStep === row.nextStep && next.nextStepDueAt?.getTime() === row.nextStepDueAt?.getTime()) continue
    await tx.update(incidents).set(next).where(eq(incidents.id, row.id))
    moved++
  }
  return moved
}

/** Applies the reference calendar (see applyHolidaysReference); the stored deadlines follow, as after an administrator's change. */
export async function applyHolidaysReferenceFollowing(tx: Executor, data: HolidaysData): Promise<void> {
  await lockDeadlineRulesForChange(tx)
  await applyHolidaysReference(tx, data)
  await followStepDeadlines(tx, await loadDeadlineRules(tx), new Date())
}
