/**
 * Receiving an upload: the request body (raw, or the file of a multipart form) is written to a temporary
 * file, counting bytes against the limit, before anything is parsed. Reading the network and writing
 * the database then never hold each other up, and a file too large is refused before a row is stored.
 */
import { randomUUID } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { mkdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { extname, join } from 'node:path'
import { Readable, Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { FastifyRequest } from 'fastify'
import { HttpProblem } from '../../platform/problem.js'
import { textFault, textFaultMessages, textProblem } from '../../platform/text.js'
import type { ImportFormat } from './rules.js'

/**
 * The largest file an import accepts (200 MiB: about 1.5 million children as CSV). A constant of this
 * module until the configuration has an IMPORT_BODY_LIMIT_BYTES.
 */
export const importBodyLimitBytes = 200 * 1024 * 1024

export const formatsByContentType: Readonly<Record<string, ImportFormat>> = {
  'text/csv': 'csv',
  'application/x-ndjson': 'ndjson',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': 'xlsx',
}

export const formatsByExtension: Readonly<Record<string, ImportFormat>> = {
  '.csv': 'csv',
  '.xlsx': 'xlsx',
  '.ndjson': 'ndjson',
  '.jsonl': 'ndjson',
}

export interface Upload {
  path: string
  bytes: number
  format: ImportFormat
  fileName: string | null
  discard(): Promise<void>
}

function tooLarge(): HttpProblem {
  return new HttpProblem(
    413,
    'payload_too_large',
    `The file is larger than the ${importBodyLimitBytes / 1024 / 1024} MiB an import accepts; split it, or use the command line (cps import).`,
  )
}

function unsupported(detail: string): HttpProblem {
  return new HttpProblem(415, 'unsupported_media_type', detail)
}

/** Refuses a text body that declares another character set: the import reads UTF-8 only. */
function checkCharset(contentType: string): void {
  const charset = /;\s*charset="?([^";\s]+)"?/i.exec(contentType)?.[1]?.toLowerCase()
  if (charset && charset !== 'utf-8' && charset !== 'utf8') {
    throw new HttpProblem(
      422,
      'invalid_encoding',
      `The file is declared as ${charset}; the import reads UTF-8 only (in Excel: "CSV UTF-8 (Comma delimited)").`,
    )
  }
}

async function spool(input: Readable, path: string): Promise<number> {
  let bytes = 0
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      bytes += chunk.length
      done(bytes > importBodyLimitBytes ? tooLarge() : null, chunk)
    },
  })
  try {
    await pipeline(input, counter, createWriteStream(path))
  } catch (error) {
    if (error instanceof HttpProblem) throw error
    if ((error as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE') throw tooLarge()
    throw error
  }
  return bytes
}

/** Receives the request's file into a temporary file; the caller discards it when done. */
export async function receiveUpload(request: FastifyRequest): Promise<Upload> {
  const contentType = request.headers['content-type'] ?? ''
  const declaredLength = Number(request.headers['content-length'] ?? 0)
  let input: Readable
  let format: ImportFormat | undefined
  let fileName: string | null = null
  if (request.isMultipart()) {
    const part = await request.file({ limits: { fileSize: importBodyLimitBytes, files: 1 } })
    if (!part)
      throw new HttpProblem(400, 'file_required', 'The multipart form carries no file: send it in a file field.')
    fileName = part.filename || null
    const fault = fileName === null ? null : textFault(fileName)
    if (fault) {
      part.file.resume()
      throw textProblem([
        { location: 'body', pointer: '/file', message: `its file name ${textFaultMessages[fault]}`, code: fault },
      ])
    }
    format =
      formatsByExtension[extname(part.filename ?? '').toLowerCase()] ??
      formatsByContentType[part.mimetype.split(';')[0]!.trim().toLowerCase()]
    if (!format) {
      part.file.resume()
      throw unsupported('The file must be CSV (.csv), XLSX (.xlsx) or NDJSON (.ndjson).')
    }
    input = part.file
  } else {
    if (declaredLength > importBodyLimitBytes) throw tooLarge()
    format = formatsByContentType[contentType.split(';')[0]!.trim().toLowerCase()]
    if (!format)
      throw unsupported('Send the file as text/csv, application/x-ndjson, the XLSX media type, or a multipart form.')
    if (format !== 'xlsx') checkCharset(contentType)
    // An empty body reaches no parser: it is an empty file.
    input = request.body instanceof Readable ? request.body : Readable.from([])
  }
  const folder = join(tmpdir(), 'cps-imports')
  await mkdir(folder, { recursive: true })
  const path = join(folder, `${randomUUID()}.upload`)
  const discard = () => rm(path, { force: true })
  try {
    const bytes = await spool(input, path)
    return { path, bytes, format, fileName, discard }
  } catch (error) {
    await discard()
    throw error
  }
}
