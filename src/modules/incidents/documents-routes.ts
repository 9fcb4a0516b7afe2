import multipart from '@fastify/multipart'
import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { problemResponses, ref } from '../../platform/schemas.js'
import { createValidatorCompiler } from '../../platform/validation.js'
import { scoped } from '../../platform/work.js'
import { attachmentDisposition, documentMediaTypes, documentTypeOf } from './documents-rules.js'
import {
  CaseDocumentPageSchema,
  CaseDocumentParams,
  CaseDocumentSchema,
  CaseDocumentsParams,
  DeleteCaseDocumentBody,
  DeleteCaseDocumentQuery,
  ListCaseDocumentsQuery,
  uploadForm,
} from './documents-schemas.js'
import {
  attachConflicts,
  attachDocument,
  caseDocumentPage,
  deleteCaseDocument,
  openCaseDocument,
  readCaseDocument,
} from './documents-service.js'
import { DatabaseDocumentStore, type DocumentStore } from './documents-store.js'
import { receiveDocument } from './documents-upload.js'

const binary = { schema: { type: 'string', format: 'binary' } }

export default async function caseDocumentRoutes(app: FastifyInstance) {
  const route = app.withTypeProvider<TypeBoxTypeProvider>()
  const store: DocumentStore = new DatabaseDocumentStore(app.database)
  const maxBytes = app.config.documentMaxBytes
  // Only in this plugin: the form is read by the handler, the file counted as it streams in.
  await app.register(multipart, { limits: { fileSize: maxBytes, files: 1 } })
  const validator = createValidatorCompiler([])

  route.post(
    '/v1/incidents/:id/documents',
    {
      config: { permission: 'incidents:write', location: true },
      // The body is a multipart stream, read and checked by the handler; the path is validated as everywhere.
      validatorCompiler: (routeSchema) => (routeSchema.httpPart === 'body' ? () => true : validator(routeSchema)),
      schema: {
        operationId: 'attachCaseDocument',
        tags: ['incidents'],
        summary: 'Attach a document to a case: the written report’s scan, minutes, the signed plan…',
        description:
          'A multipart form: `file`, its `kind` and optionally a `title`. The file is accepted by what its content is, ' +
          'whatever its name or declared type: PDF, JPEG, PNG, or a Word (DOCX) or Excel (XLSX) document; anything ' +
          'else answers 415 unsupported_document_type. At most DOCUMENT_MAX_BYTES (10 MiB unless configured): 413 ' +
          'document_too_large, and nothing is stored. The same content twice on one case answers 409 duplicate_document ' +
          'with `existingId`, so a retried upload never stores it twice. Audited.',
        params: CaseDocumentsParams,
        body: { content: { 'multipart/form-data': { schema: uploadForm } } },
        response: {
          201: ref(CaseDocumentSchema, 'The document attached; Location names it'),
          ...problemResponses(400, 401, 403, 404, 409, 413, 415),
        },
      },
    },
    async (request, reply) => {
      const received = await receiveDocument(request, maxBytes)
      const document = await scoped(request, (work) => attachDocument(work, store, request.params.id, received), {
        conflicts: attachConflicts,
      })
      reply.code(201).header('location', `/v1/incidents/${document.incidentId}/documents/${document.id}`)
      return document
    },
  )

  route.get(
    '/v1/incidents/:id/documents',
    {
      config: { permission: 'incidents:read' },
      schema: {
        operationId: 'listCaseDocuments',
        tags: ['incidents'],
        summary: 'The documents attached to a case, deleted ones as tombstones, newest first',
        description: 'Metadata only; titles and file names need incidents:sensitive. Audited.',
        params: CaseDocumentsParams,
        querystring: ListCaseDocumentsQuery,
        response: { 200: ref(CaseDocumentPageSchema, 'A page of documents'), ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => scoped(request, (work) => caseDocumentPage(work, request.params.id, request.query)),
  )

  route.get(
    '/v1/incidents/:id/documents/:documentId',
    {
      config: { permission: 'incidents:read' },
      schema: {
        operationId: 'getCaseDocument',
        tags: ['incidents'],
        summary: 'A document’s record: kind, type, size, content hash, and its deletion once deleted',
        params: CaseDocumentParams,
        response: { 200: ref(CaseDocumentSchema, 'The document'), ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => scoped(request, (work) => readCaseDocument(work, request.params.id, request.params.documentId)),
  )

  route.get(
    '/v1/incidents/:id/documents/:documentId/content',
    {
      config: { permission: 'incidents:read', etag: true },
      schema: {
        operationId: 'downloadCaseDocument',
        tags: ['incidents'],
        summary: 'Download a document’s content (a case’s documents are sensitive: also needs incidents:sensitive)',
        description:
          'Streamed as stored, always as an attachment (Content-Disposition, with the file name in UTF-8 and an ASCII ' +
          'fallback, ending in the extension of what the content is), with its recognised type, `nosniff` and no caching. ' +
          'The ETag is the content’s SHA-256. Every read is audited, committed before the first byte is sent. A deleted ' +
          'document answers 410 document_deleted.',
        params: CaseDocumentParams,
        response: {
          200: {
            description: 'The content',
            headers: {
              'content-disposition': {
                type: 'string',
                description: 'attachment; filename="<ASCII>"; filename*=UTF-8\'\'<the file name>',
              },
              'content-length': { type: 'integer', description: 'bytes' },
              'cache-control': { type: 'string', description: 'no-store' },
              'x-content-type-options': { type: 'string', description: 'nosniff' },
            },
            content: Object.fromEntries(documentMediaTypes.map((mediaType) => [mediaType, binary])),
          },
          ...problemResponses(400, 401, 403, 404, 410),
        },
      },
    },
    async (request, reply) => {
      const { id, documentId } = request.params
      const document = await scoped(request, (work) => openCaseDocument(work, id, documentId))
      reply
        .header('content-type', document.mediaType)
        .header('content-length', document.sizeBytes)
        .header(
          'content-disposition',
          attachmentDisposition(document.fileName, document.kind, documentTypeOf(document.mediaType)),
        )
        .header('etag', `"${document.sha256}"`)
        .header('cache-control', 'no-store')
        .header('x-content-type-options', 'nosniff')
      return reply.send(store.get(request.principal!.scope, document.id))
    },
  )

  route.delete(
    '/v1/incidents/:id/documents/:documentId',
    {
      config: { permission: 'incidents:write' },
      schema: {
        operationId: 'deleteCaseDocument',
        tags: ['incidents'],
        summary: 'Delete a document’s content, with a reason; its record stays as a tombstone',
        description:
          'The content is removed; the record keeps who deleted it, when and why, and the audit trail stays. A document ' +
          'never changes, so no If-Match is asked; deleting it again answers 410 document_deleted.',
        params: CaseDocumentParams,
        querystring: DeleteCaseDocumentQuery,
        body: DeleteCaseDocumentBody,
        response: { 204: { description: 'Deleted', type: 'null' }, ...problemResponses(400, 401, 403, 404, 410) },
      },
    },
    async (request, reply) => {
      const { id, documentId } = request.params
      await scoped(request, (work) => deleteCaseDocument(work, store, id, documentId, request.body.reason))
      return reply.code(204).send(null)
    },
  )
}
