import { and, desc, eq, isNull, sql } from 'drizzle-orm'
import type { Executor } from '../../db/client.js'
import { scopeCondition, type Scope } from '../../platform/scope.js'
import { caseDocuments } from './documents-tables.js'

export type CaseDocumentRow = typeof caseDocuments.$inferSelect

function documentInScope(scope: Scope) {
  return scopeCondition(scope, { ward: caseDocuments.wardCode, group: caseDocuments.residentialGroupCode })
}

export async function getCaseDocument(
  db: Executor,
  scope: Scope,
  incidentId: string,
  documentId: string,
): Promise<CaseDocumentRow | undefined> {
  const [row] = await db
    .select()
    .from(caseDocuments)
    .where(and(eq(caseDocuments.id, documentId), eq(caseDocuments.incidentId, incidentId), documentInScope(scope)))
  return row
}

/** The document of the case holding this content, unless it was deleted. */
export async function findCaseDocumentByContent(
  db: Executor,
  scope: Scope,
  incidentId: string,
  sha256: string,
): Promise<CaseDocumentRow | undefined> {
  const [row] = await db
    .select()
    .from(caseDocuments)
    .where(
      and(
        eq(caseDocuments.incidentId, incidentId),
        eq(caseDocuments.sha256, sha256),
        isNull(caseDocuments.deletedAt),
        documentInScope(scope),
      ),
    )
  return row
}

/** A case's documents, deleted ones too, newest first. */
export async function listCaseDocuments(
  db: Executor,
  scope: Scope,
  incidentId: string,
  page: { after?: [string, string]; limit: number },
): Promise<CaseDocumentRow[]> {
  const conditions = [eq(caseDocuments.incidentId, incidentId), documentInScope(scope)]
  if (page.after)
    conditions.push(
      sql`(${caseDocuments.uploadedAt}, ${caseDocuments.id}) < (${page.after[0]}::timestamptz, ${page.after[1]}::uuid)`,
    )
  return db
    .select()
    .from(caseDocuments)
    .where(and(...conditions))
    .orderBy(desc(caseDocuments.uploadedAt), desc(caseDocuments.id))
    .limit(page.limit)
}

export async function insertCaseDocument(
  db: Executor,
  values: typeof caseDocuments.$inferInsert,
): Promise<CaseDocumentRow> {
  const [row] = await db.insert(caseDocuments).values(values).returning()
  return row!
}

/** Marks the document deleted, unless it already is; undefined then. */
export async function markCaseDocumentDeleted(
  db: Executor,
  scope: Scope,
  documentId: string,
  deletion: { deletedAt: Date; deletedBy: string; deletedByName: string | null; deletionReason: string },
): Promise<CaseDocumentRow | undefined> {
  const [row] = await db
    .update(caseDocuments)
    .set(deletion)
    .where(and(eq(caseDocuments.id, documentId), isNull(caseDocuments.deletedAt), documentInScope(scope)))
    .returning()
  return row
}
