import Type, { type TSchema } from 'typebox'
import { Page, PaginationQuery, Timestamp } from '../../platform/schemas.js'
import { documentKinds, documentMediaTypes } from './documents-rules.js'

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()])
const Sensitive = <T extends TSchema>(schema: T, what: string) =>
  Type.Optional({
    ...schema,
    description: `${what}. Sensitive (it may name the child): omitted for callers without incidents:sensitive.`,
    'x-sensitive': true,
  })

export const documentTitleMaxLength = 200
export const documentFileNameMaxLength = 255

const kindDescription =
  'written_report_scan (the 24-hour written report, scanned), minutes, signed_plan (the approved support plan), assessment, photo, other'

export const CaseDocumentSchema = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    incidentId: Type.String({ format: 'uuid' }),
    kind: Type.Enum([...documentKinds], { description: kindDescription }),
    title: Sensitive(Nullable(Type.String()), 'what the document is, in the uploader’s words'),
    fileName: Sensitive(
      Nullable(Type.String({ examples: ['bien-ban-hop-02-12-2026.pdf'] })),
      'the name the file was uploaded under',
    ),
    mediaType: Type.Enum([...documentMediaTypes], {
      description: 'what the content is, recognised from its bytes (never the name or the declared type)',
    }),
    sizeBytes: Type.Integer({ minimum: 1, examples: [184_320] }),
    sha256: Type.String({
      pattern: '^[0-9a-f]{64}$',
      examples: ['9f2c4e8a1b7d3f6e0a5c9b2d8e4f1a7c3b6d0e9f2a5c8b1d4e7f0a3c6b9d2e5f'],
      description: 'SHA-256 of the content, hex; the download’s ETag carries it',
    }),
    uploadedAt: Timestamp(),
    uploadedByName: Nullable(Type.String({ examples: ['canbo.vinhhung'] })),
    deletedAt: Nullable(
      Timestamp({ description: 'set once the document is deleted: its content is gone, this record stays' }),
    ),
    deletedByName: Nullable(Type.String()),
    deletionReason: Sensitive(Nullable(Type.String()), 'why it was deleted'),
  },
  { $id: 'CaseDocument', additionalProperties: false },
)

export const CaseDocumentPageSchema = Page(Type.Ref('CaseDocument'), 'CaseDocumentPage')

export const CaseDocumentsParams = Type.Object({ id: Type.String({ format: 'uuid' }) }, { additionalProperties: false })

export const CaseDocumentParams = Type.Object(
  { id: Type.String({ format: 'uuid' }), documentId: Type.String({ format: 'uuid' }) },
  { additionalProperties: false },
)

export const ListCaseDocumentsQuery = Type.Object({ ...PaginationQuery }, { additionalProperties: false })

/** No query parameters: a reason sent in the query string, by an old client, is refused before anything is deleted. */
export const DeleteCaseDocumentQuery = Type.Object({}, { additionalProperties: false })

/** In the body, not the query string: a reason may name people, and a proxy's access log keeps URLs. */
export const DeleteCaseDocumentBody = Type.Object(
  { reason: Type.String({ minLength: 3, maxLength: 500, description: 'why the document is deleted; kept' }) },
  { additionalProperties: false },
)

/** The upload form, as the contract describes it (the handler reads and checks the form itself). */
export const uploadForm = {
  type: 'object',
  properties: {
    file: {
      type: 'string',
      format: 'binary',
      description:
        'the document: PDF, JPEG, PNG, DOCX or XLSX, recognised by its content (a renamed file of another type is refused)',
    },
    kind: { type: 'string', enum: [...documentKinds], description: kindDescription },
    title: {
      type: 'string',
      minLength: 1,
      maxLength: documentTitleMaxLength,
      description: 'what the document is (optional); sensitive',
    },
  },
  required: ['file', 'kind'],
  additionalProperties: false,
}

export const caseDocumentSchemas = [CaseDocumentSchema, CaseDocumentPageSchema]
