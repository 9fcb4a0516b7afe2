/**
 * Documents attached to a case, as scoped work (platform/work.ts): attached, listed, read and deleted in
 * the caller's transaction and scope, each step audited under its incident. A document is found only
 * through a case the caller can see; any other answers 404 as a missing one does.
 */
import { randomUUID } from 'node:crypto'
import { Readable } from 'node:stream'
import type { Static } from 'typebox'
import { hasPermission, type Principal } from '../../platform/auth.js'
import { decodeCursor, toPage } from '../../platform/pagination.js'
import { conflict, HttpProblem, notFound } from '../../platform/problem.js'
import { omitWhen } from '../../platform/views.js'
import { refuse, type Work } from '../../platform/work.js'
import {
  findCaseDocumentByContent,
  getCaseDocument,
  insertCaseDocument,
  listCaseDocuments,
  markCaseDocumentDeleted,
  type CaseDocumentRow,
} from './documents-repository.js'
import { documentTypes } from './documents-rules.js'
import type { ListCaseDocumentsQuery } from './documents-schemas.js'
import type { DocumentStore } from './documents-store.js'
import type { ReceivedDocument } from './documents-upload.js'
import { getIncident } from './repository.js'

/** What the API shows of a document (CaseDocumentSchema): title, file name and deletion reason only with incidents:sensitive. */
function toCaseDocument(row: CaseDocumentRow, principal: Principal) {
  return omitWhen(
    {
      id: row.id,
      incidentId: row.incidentId,
      kind: row.kind,
      title: row.title,
      fileName: row.fileName,
      mediaType: row.mediaType,
      sizeBytes: row.sizeBytes,
      sha256: row.sha256,
      uploadedAt: row.uploadedAt.toISOString(),
      uploadedByName: row.uploadedByName,
      deletedAt: row.deletedAt?.toISOString() ?? null,
      deletedByName: row.deletedByName,
      deletionReason: row.deletionReason,
    },
    ['title', 'fileName', 'deletionReason'],
    !hasPermission(principal, 'incidents:sensitive'),
  )
}

const duplicateDocument = (existingId?: string) =>
  conflict(
    'duplicate_document',
    existingId
      ? `This content is attached to the case already, as document ${existingId}.`
      : 'This content was attached to the case by another request at the same moment.',
    existingId ? { existingId } : {},
  )

/** A unique-index violation: two uploads of the same content to one case at once. */
export const attachConflicts = { case_documents_content_once: () => duplicateDocument() }

const documentDeleted = (documentId: string) =>
  new HttpProblem(410, 'document_deleted', `Document ${documentId} was deleted: its record stays, its content is gone.`)

/**
 * Attaches a received document to the case: its record, its content through the store, and the audit
 * event, together. The same content twice on one case is refused (409, `existingId`), which also makes a
 * retried upload safe.
 */
export async function attachDocument(work: Work, store: DocumentStore, incidentId: string, received: ReceivedDocument) {
  const incident = await getIncident(work.tx, work.scope, incidentId)
  if (!incident) throw notFound('Incident', incidentId)
  const existing = await findCaseDocumentByContent(work.tx, work.scope, incident.id, received.sha256)
  if (existing) throw duplicateDocument(existing.id)
  const id = randomUUID()
  const { mediaType } = documentTypes[received.type]
  const row = await insertCaseDocument(work.tx, {
    id,
    incidentId: incident.id,
    provinceCode: incident.provinceCode,
    wardCode: incident.wardCode,
    residentialGroupCode: incident.residentialGroupCode,
    kind: received.kind,
    title: received.title,
    fileName: received.fileName,
    mediaType,
    sizeBytes: received.content.length,
    sha256: received.sha256,
    uploadedAt: work.now,
    uploadedBy: work.principal.id,
    uploadedByName: work.principal.name,
  })
  const stored = await store.put(work.tx, id, Readable.from([received.content]))
  // What the record says must be what the store holds: a store that kept other bytes fails the upload.
  if (stored.sha256 !== received.sha256 || stored.size !== received.content.length)
    throw new Error('the document store kept other content than was received')
  await work.audit({
    action: 'incident.document.add',
    resourceType: 'incident',
    resourceId: incident.id,
    unitCode: incident.wardCode,
    outcome: 'success',
    details: { documentId: id, kind: received.kind, mediaType, sizeBytes: received.content.length },
  })
  return toCaseDocument(row, work.principal)
}

/** A page of the case's documents (deleted ones too, as tombstones), newest first. */
export async function caseDocumentPage(work: Work, incidentId: string, query: Static<typeof ListCaseDocumentsQuery>) {
  const { limit = 50, cursor } = query
  const after = decodeCursor(cursor, ['timestamp', 'uuid']) as [string, string] | undefined
  const incident = await getIncident(work.tx, work.scope, incidentId)
  const rows = incident ? await listCaseDocuments(work.tx, work.scope, incident.id, { after, limit: limit + 1 }) : []
  const page = toPage(rows, limit, (row) => [row.uploadedAt.toISOString(), row.id])
  await work.audit({
    action: 'incident.document.list',
    resourceType: 'incident',
    resourceId: incidentId,
    unitCode: incident?.wardCode ?? null,
    outcome: incident ? 'success' : 'not_found',
    details: { count: page.items.length },
  })
  if (!incident) return refuse(notFound('Incident', incidentId))
  return { items: page.items.map((row) => toCaseDocument(row, work.principal)), nextCursor: page.nextCursor }
}

/** A document's record (a tombstone too); the read is audited whether it found one or not. */
export async function readCaseDocument(work: Work, incidentId: string, documentId: string) {
  const row = await getCaseDocument(work.tx, work.scope, incidentId, documentId)
  await work.audit({
    action: 'incident.document.read',
    resourceType: 'incident',
    resourceId: incidentId,
    unitCode: row?.wardCode ?? null,
    outcome: row ? 'success' : 'not_found',
    details: { documentId },
  })
  if (!row) return refuse(notFound('Document', documentId))
  return toCaseDocument(row, work.principal)
}

/**
 * The record of a document whose content the caller is about to read. The read is audited, and commits,
 * before the first byte leaves; a deleted document's content answers 410.
 */
export async function openCaseDocument(work: Work, incidentId: string, documentId: string) {
  // The case itself is read under incidents:read (the route's); its documents need the sensitive permission
  // too, which an account may hold without the first (a hotline client writes what callers say, reads nothing).
  if (!hasPermission(work.principal, 'incidents:sensitive')) {
    await work.audit({
      action: 'access.denied',
      resourceType: 'incident',
      resourceId: incidentId,
      outcome: 'denied',
      details: { permission: 'incidents:sensitive', documentId },
    })
    return refuse(
      new HttpProblem(403, 'forbidden', 'Reading a case document needs the incidents:sensitive permission.', {
        extensions: { requiredPermission: 'incidents:sensitive' },
      }),
    )
  }
  const row = await getCaseDocument(work.tx, work.scope, incidentId, documentId)
  await work.audit({
    action: 'incident.document.download',
    resourceType: 'incident',
    resourceId: incidentId,
    unitCode: row?.wardCode ?? null,
    outcome: row && !row.deletedAt ? 'success' : 'not_found',
    details: { documentId, ...(row?.deletedAt ? { deleted: true } : {}) },
  })
  if (!row) return refuse(notFound('Document', documentId))
  if (row.deletedAt) return refuse(documentDeleted(documentId))
  return row
}

/** Deletes a document's content with a reason; its record stays as a tombstone. */
export async function deleteCaseDocument(
  work: Work,
  store: DocumentStore,
  incidentId: string,
  documentId: string,
  reason: string,
) {
  const current = await getCaseDocument(work.tx, work.scope, incidentId, documentId)
  if (!current) throw notFound('Document', documentId)
  const deleted = await markCaseDocumentDeleted(work.tx, work.scope, current.id, {
    deletedAt: work.now,
    deletedBy: work.principal.id,
    deletedByName: work.principal.name,
    deletionReason: reason,
  })
  if (!deleted) throw documentDeleted(documentId)
  await store.delete(work.tx, current.id)
  await work.audit({
    action: 'incident.document.delete',
    resourceType: 'incident',
    resourceId: incidentId,
    unitCode: current.wardCode,
    outcome: 'success',
    details: { documentId: current.id, kind: current.kind },
  })
}
