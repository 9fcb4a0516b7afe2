/**
 * Receiving a document: the multipart form is read whole before any transaction opens, so that a slow
 * upload never holds a database connection (the embedded database has one). The file is kept in memory,
 * counted against the limit as it arrives and refused the moment it passes it; the limit bounds what one
 * upload holds, and no copy of a child's document is ever written to a temporary file.
 */
import { createHash } from 'node:crypto'
import type { FastifyRequest } from 'fastify'
import type { MultipartFile } from '@fastify/multipart'
import { HttpProblem, type FieldError } from '../../platform/problem.js'
import { textFault, textFaultMessages } from '../../platform/text.js'
import { documentKinds, type DocumentKind, type DocumentType } from './documents-rules.js'
import { documentFileNameMaxLength, documentTitleMaxLength } from './documents-schemas.js'
import { recogniseDocumentType } from './documents-types.js'

export interface ReceivedDocument {
  kind: DocumentKind
  title: string | null
  fileName: string | null
  type: DocumentType
  content: Buffer
  sha256: string
}

const mebibytes = (bytes: number) => `${Math.round((bytes / 1024 / 1024) * 10) / 10} MiB`

function tooLarge(maxBytes: number): HttpProblem {
  return new HttpProblem(
    413,
    'document_too_large',
    `The document is larger than the ${mebibytes(maxBytes)} a case document may be; nothing was stored.`,
    { extensions: { maxBytes } },
  )
}

function invalidForm(errors: FieldError[]): HttpProblem {
  return new HttpProblem(400, 'validation_failed', `The upload form is not valid: ${errors.length} problem(s).`, {
    title: 'Request validation failed',
    errors,
  })
}

const formError = (pointer: string, message: string, code: string): FieldError => ({
  location: 'body',
  pointer,
  message,
  code,
})

async function readFile(part: MultipartFile, maxBytes: number) {
  const content: Buffer[] = []
  const hash = createHash('sha256')
  let size = 0
  for await (const chunk of part.file) {
    const bytes = chunk as Buffer
    size += bytes.length
    if (size > maxBytes) throw tooLarge(maxBytes)
    hash.update(bytes)
    content.push(bytes)
  }
  // The parser stops passing bytes on at the limit and marks the file cut short.
  if (part.file.truncated) throw tooLarge(maxBytes)
  return { content: Buffer.concat(content), sha256: hash.digest('hex') }
}

/** The multipart parser's own refusals, as this endpoint's problems. */
function formProblem(error: unknown, maxBytes: number): unknown {
  if (error instanceof HttpProblem) return error
  const code = (error as { code?: unknown }).code
  if (code === 'FST_REQ_FILE_TOO_LARGE') return tooLarge(maxBytes)
  if (code === 'FST_FILES_LIMIT') return invalidForm([formError('/file', 'only one file may be sent', 'maxItems')])
  if (code === 'FST_FIELDS_LIMIT' || code === 'FST_PARTS_LIMIT')
    return invalidForm([formError('/', 'has more fields than file, kind and title', 'additionalProperties')])
  return new HttpProblem(400, 'malformed_body', 'The multipart form cannot be read.')
}

/**
 * Reads the form (a `file`, a `kind`, optionally a `title`, in any order), checks the fields and what the
 * file's bytes are. 413 beyond `maxBytes`, 415 when the content is not an accepted type.
 */
export async function receiveDocument(request: FastifyRequest, maxBytes: number): Promise<ReceivedDocument> {
  if (!request.isMultipart())
    throw new HttpProblem(
      415,
      'unsupported_media_type',
      'Send the document as a multipart/form-data form with a file and its kind.',
    )
  const fields = new Map<string, unknown>()
  const errors: FieldError[] = []
  let file: (Awaited<ReturnType<typeof readFile>> & { fileName: string | null }) | undefined
  try {
    const parts = request.parts({
      limits: { fileSize: maxBytes, files: 1, fields: 3, parts: 4, fieldSize: 4096, fieldNameSize: 100 },
    })
    for await (const part of parts) {
      if (part.type === 'file' && part.fieldname === 'file') {
        file = { ...(await readFile(part, maxBytes)), fileName: part.filename || null }
      } else if (part.type === 'file') {
        part.file.resume()
        errors.push(formError(`/${part.fieldname}`, 'is not a known field', 'additionalProperties'))
      } else if (fields.has(part.fieldname)) {
        errors.push(formError(`/${part.fieldname}`, 'is given more than once', 'duplicate'))
      } else {
        fields.set(part.fieldname, part.valueTruncated ? null : part.value)
      }
    }
  } catch (error) {
    throw formProblem(error, maxBytes)
  }
  const kind = fields.get('kind')
  const title = fields.get('title')
  for (const name of fields.keys())
    if (name !== 'kind' && name !== 'title')
      errors.push(
        formError(
          `/${name}`,
          name === 'file' ? 'must be a file part (with a file name)' : 'is not a known field',
          'additionalProperties',
        ),
      )
  if (kind === undefined) errors.push(formError('/kind', 'is required', 'required'))
  else if (!documentKinds.includes(kind as DocumentKind))
    errors.push(formError('/kind', `must be one of: ${documentKinds.join(', ')}`, 'enum'))
  if (title !== undefined) {
    const fault = typeof title === 'string' ? textFault(title) : null
    if (typeof title !== 'string' || title.trim() === '' || title.length > documentTitleMaxLength)
      errors.push(formError('/title', `must be text of 1 to ${documentTitleMaxLength} characters`, 'maxLength'))
    else if (fault) errors.push(formError('/title', textFaultMessages[fault], fault))
  }
  const fileName = file?.fileName ?? null
  if (fileName !== null) {
    const fault = textFault(fileName)
    if (fault) errors.push(formError('/file', `its file name ${textFaultMessages[fault]}`, fault))
    else if (fileName.length > documentFileNameMaxLength)
      errors.push(
        formError('/file', `its file name is longer than ${documentFileNameMaxLength} characters`, 'maxLength'),
      )
  }
  if (errors.length > 0) throw invalidForm(errors)
  if (!file)
    throw new HttpProblem(
      400,
      'file_required',
      'The form carries no file: send the document in a file field named "file".',
    )
  const type = await recogniseDocumentType(file.content)
  if (!type)
    throw new HttpProblem(
      415,
      'unsupported_document_type',
      'The file’s content is none of the types a case document may be: PDF, JPEG, PNG, DOCX or XLSX (recognised by content, not by name).',
    )
  return {
    kind: kind as DocumentKind,
    title: typeof title === 'string' ? title.trim() : null,
    fileName,
    type,
    content: file.content,
    sha256: file.sha256,
  }
}
