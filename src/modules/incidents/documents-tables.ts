import { sql } from 'drizzle-orm'
import {
  customType,
  index,
  integer,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core'
import { documentKinds, documentMediaTypes } from './documents-rules.js'
import { incidents } from './tables.js'

/** PostgreSQL's bytea: the server driver answers a Buffer, the embedded one a Uint8Array. */
const bytea = customType<{ data: Buffer; driverData: Uint8Array }>({
  dataType: () => 'bytea',
  fromDriver: (value) => Buffer.from(value.buffer, value.byteOffset, value.byteLength),
})

/** A document attached to a case: what it is; its content is in caseDocumentChunks until it is deleted. */
export const caseDocuments = pgTable(
  'case_documents',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    incidentId: uuid('incident_id')
      .notNull()
      .references(() => incidents.id),
    provinceCode: text('province_code').notNull(),
    wardCode: text('ward_code').notNull(),
    residentialGroupCode: text('residential_group_code'),
    kind: text('kind', { enum: documentKinds }).notNull(),
    /** Sensitive, as the file name: may name the child. */
    title: text('title'),
    fileName: text('file_name'),
    /** What the content is, as its bytes say (never as the client declared it). */
    mediaType: text('media_type', { enum: documentMediaTypes }).notNull(),
    sizeBytes: integer('size_bytes').notNull(),
    sha256: text('sha256').notNull(),
    uploadedAt: timestamp('uploaded_at', { withTimezone: true }).notNull(),
    uploadedBy: text('uploaded_by'),
    uploadedByName: text('uploaded_by_name'),
    deletedAt: timestamp('deleted_at', { withTimezone: true }),
    deletedBy: text('deleted_by'),
    deletedByName: text('deleted_by_name'),
    deletionReason: text('deletion_reason'),
  },
  (t) => [
    index('case_documents_incident_idx').on(t.incidentId, t.uploadedAt, t.id),
    uniqueIndex('case_documents_content_once')
      .on(t.incidentId, t.sha256)
      .where(sql`deleted_at is null`),
  ],
)

/** A document's content, in pieces numbered from 0 (documents-store.ts). */
export const caseDocumentChunks = pgTable(
  'case_document_chunks',
  {
    documentId: uuid('document_id')
      .notNull()
      .references(() => caseDocuments.id),
    seq: integer('seq').notNull(),
    data: bytea('data').notNull(),
  },
  (t) => [primaryKey({ name: 'case_document_chunks_pkey', columns: [t.documentId, t.seq] })],
)
