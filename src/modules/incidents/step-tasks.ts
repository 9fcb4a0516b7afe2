import { and, asc, eq, isNotNull, sql } from 'drizzle-orm'
import { scopeCondition } from '../../platform/scope.js'
import { afterPosition, type TaskSource } from '../tasks/source.js'
import { incidents } from './tables.js'

const kind = 'case_step'

/** The next Decree 56 step of each open case in the caller's units, due at its deadline (`nextStepDueAt`). */
export const caseStepTasks: TaskSource = {
  kind,
  description:
    'the next Decree 56 step of each open case in your units, due at its deadline; acted on by recording the step',
  async list(work, page) {
    const rows = await work.tx
      .select({
        id: incidents.id,
        wardCode: incidents.wardCode,
        nextStep: incidents.nextStep,
        nextStepDueAt: incidents.nextStepDueAt,
      })
      .from(incidents)
      .where(
        and(
          eq(incidents.status, 'open'),
          isNotNull(incidents.nextStepDueAt),
          scopeCondition(work.scope, { ward: incidents.wardCode, group: incidents.residentialGroupCode }),
          afterPosition(kind, page.after, sql`${incidents.nextStepDueAt}`, incidents.id),
        ),
      )
      .orderBy(asc(incidents.nextStepDueAt), asc(incidents.id))
      .limit(page.limit)
    return rows.map((row) => {
      const step = row.nextStep ?? 'receipt'
      const dueAt = row.nextStepDueAt!
      return {
        kind,
        id: row.id,
        subject: step,
        label: `Record the ${step.replace(/_/g, ' ')}`,
        dueAt,
        incidentId: row.id,
        wardCode: row.wardCode,
        link: `/v1/incidents/${row.id}/steps`,
      }
    })
  },
}
