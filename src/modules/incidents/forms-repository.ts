import { and, asc, eq, sql } from 'drizzle-orm'
import type { Executor } from '../../db/client.js'
import { scopeCondition, type Scope } from '../../platform/scope.js'
import type { FormKind } from './forms-rules.js'
import { caseFormRevisions, caseForms } from './forms-tables.js'

export type CaseFormRow = typeof caseForms.$inferSelect
export type CaseFormRevisionRow = typeof caseFormRevisions.$inferSelect

const formInScope = (scope: Scope) =>
  scopeCondition(scope, { ward: caseForms.wardCode, group: caseForms.residentialGroupCode })

export async function getForm(
  db: Executor,
  scope: Scope,
  incidentId: string,
  kind: FormKind,
): Promise<CaseFormRow | undefined> {
  const [row] = await db
    .select()
    .from(caseForms)
    .where(and(eq(caseForms.incidentId, incidentId), eq(caseForms.kind, kind), formInScope(scope)))
  return row
}

/** The forms of an incident, in the order of the process. */
export async function listForms(db: Executor, scope: Scope, incidentId: string): Promise<CaseFormRow[]> {
  return db
    .select()
    .from(caseForms)
    .where(and(eq(caseForms.incidentId, incidentId), formInScope(scope)))
    .orderBy(asc(caseForms.createdAt), asc(caseForms.kind))
}

export async function insertForm(tx: Executor, values: typeof caseForms.$inferInsert): Promise<CaseFormRow> {
  const [row] = await tx.insert(caseForms).values(values).returning()
  return row!
}

/** Writes the next version of a form, when it is still at `expectedVersion` (undefined otherwise). */
export async function updateForm(
  tx: Executor,
  scope: Scope,
  id: string,
  expectedVersion: number,
  changes: Partial<typeof caseForms.$inferInsert>,
): Promise<CaseFormRow | undefined> {
  const [row] = await tx
    .update(caseForms)
    .set({ ...changes, version: sql`${caseForms.version} + 1` })
    .where(and(eq(caseForms.id, id), eq(caseForms.version, expectedVersion), formInScope(scope)))
    .returning()
  return row
}

export async function insertFormRevision(tx: Executor, values: typeof caseFormRevisions.$inferInsert): Promise<void> {
  await tx.insert(caseFormRevisions).values(values)
}

export async function formRevisions(db: Executor, scope: Scope, formId: string): Promise<CaseFormRevisionRow[]> {
  return db
    .select()
    .from(caseFormRevisions)
    .where(
      and(
        eq(caseFormRevisions.formId, formId),
        scopeCondition(scope, { ward: caseFormRevisions.wardCode, group: caseFormRevisions.residentialGroupCode }),
      ),
    )
    .orderBy(asc(caseFormRevisions.id))
}
