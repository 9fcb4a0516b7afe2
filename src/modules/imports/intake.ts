/**
 * Receiving an import over HTTP (POST /v1/imports): the upload is spooled to a temporary file, opened,
 * and its rows staged; a small file is then imported at once (201, with the report), a large one goes
 * on in the background (202) — the request's process reads the rest of the file, then a job imports it.
 * The import itself is service.ts, the same for the API, the job and the command line.
 */
import type { FastifyRequest } from 'fastify'
import type { Static } from 'typebox'
import type { Principal } from '../../platform/auth.js'
import { audit } from '../../platform/audit.js'
import type { JobQueue } from '../../platform/jobs.js'
import { HttpProblem } from '../../platform/problem.js'
import { jobKeyOf, processQueue } from './jobs.js'
import { describeFileError, ImportFileError, openImportFile, type OpenedFile } from './parse.js'
import { importView } from './report.js'
import { getImport, updateImport, type ImportRecord } from './repository.js'
import type { CreateImportQuery } from './schemas.js'
import {
  actorOf,
  backgroundRowThreshold,
  backgroundWorkbookBytes,
  columnsOf,
  createImport,
  defaultSource,
  discardImport,
  failImport,
  processImport,
  stageFile,
  type ImportOptions,
  type ImportRuntime,
} from './service.js'
import { receiveUpload, type Upload } from './upload.js'

/** What receiving an import needs of the application. */
export interface Intake {
  runtime: ImportRuntime
  jobs: JobQueue
  /** Files still being read after their request was answered; the application waits for them before it closes. */
  background: Set<Promise<void>>
}

/** An import received: answered now (201, imported or checked) or going on in the background (202). */
export interface Received {
  status: 201 | 202
  id: string
  view: Awaited<ReturnType<typeof importView>>
}

/** The problem a client gets for a file that cannot be imported at all. */
function fileProblem(error: ImportFileError): HttpProblem {
  return new HttpProblem(error.code === 'workbook_too_large' ? 413 : 422, error.code, error.message, {
    extensions: {
      ...(error.details.line !== undefined ? { line: error.details.line } : {}),
      ...(error.details.columns ? { columns: error.details.columns } : {}),
    },
    ...(error.code === 'missing_columns'
      ? {
          errors: (error.details.columns ?? []).map((column) => ({
            location: 'body' as const,
            pointer: '/',
            message: `column missing: ${column}`,
            code: 'missing_column',
          })),
        }
      : {}),
  })
}

/**
 * Receives the request's file and imports it: now when its rows are staged before it proves large, in
 * the background otherwise. A file that cannot be read at all is audited as refused and answered with
 * its problem; nothing of it is kept.
 */
export async function receiveImport(
  intake: Intake,
  request: FastifyRequest,
  query: Static<typeof CreateImportQuery>,
): Promise<Received> {
  const { runtime } = intake
  const db = runtime.database.db
  const principal = request.principal!
  const upload = await receiveUpload(request)
  const options: ImportOptions = {
    kind: query.kind,
    format: upload.format,
    mode: query.mode ?? 'atomic',
    dryRun: query.dryRun ?? false,
    source: query.source ?? defaultSource(principal),
    fileName: upload.fileName,
  }
  const refuseFile = async (error: unknown): Promise<never> => {
    if (!(error instanceof ImportFileError)) throw error
    request.log.info({ importFile: describeFileError(error) }, 'import file refused')
    await audit(db, request, {
      action: 'import.refused',
      resourceType: 'import',
      outcome: 'failure',
      details: { kind: options.kind, format: options.format, code: error.code },
    })
    throw fileProblem(error)
  }
  // Until the background work takes them over, the file and the spooled upload are this request's to release.
  let handedOver = false
  let file: OpenedFile | undefined
  try {
    file = await openImportFile(options.kind, options.format, { path: upload.path }, columnsOf(options.kind)).catch(
      refuseFile,
    )
    const record = await createImport(runtime, principal, options)
    let goBackground: () => void = () => {}
    const background = new Promise<'background'>((resolve) => {
      goBackground = () => resolve('background')
    })
    if (options.format === 'xlsx' && upload.bytes > backgroundWorkbookBytes) goBackground()
    const staging = stageFile(runtime, record, file, (rowsRead) => {
      if (rowsRead > backgroundRowThreshold) goBackground()
    })
    const first = await Promise.race([
      staging.then(
        () => 'staged' as const,
        (error: unknown) => ({ error }),
      ),
      background,
    ])
    if (typeof first === 'object') {
      await discardImport(runtime, record.id)
      return await refuseFile(first.error)
    }
    if (first === 'staged') {
      const finished = await processImport(runtime, record.id, principal, { requestId: request.id })
      return { status: 201, id: record.id, view: await importView(db, finished) }
    }
    handedOver = true
    continueInBackground(intake, request, principal, record, staging, upload)
    return { status: 202, id: record.id, view: await importView(db, (await getImport(db, record.id)) ?? record) }
  } finally {
    if (!handedOver) {
      file?.close()
      await upload.discard()
    }
  }
}

/**
 * After the 202: once the rest of the file is staged, the import is queued for its job; a file that
 * proves unreadable on the way fails the import. Either way the spooled upload is released at the end.
 */
function continueInBackground(
  intake: Intake,
  request: FastifyRequest,
  principal: Principal,
  record: ImportRecord,
  staging: Promise<number>,
  upload: Upload,
): void {
  const { runtime, jobs, background } = intake
  const continuation = staging
    .then(
      () =>
        runtime.database.db.transaction(async (tx) => {
          await updateImport(tx, record.id, { state: 'queued' }, 'running')
          await jobs.send(
            tx,
            processQueue,
            { importId: record.id, requestId: request.id },
            { singletonKey: jobKeyOf(record.id) },
          )
        }),
      (error: unknown) => {
        const fileError =
          error instanceof ImportFileError
            ? error
            : new ImportFileError('unreadable_file', 'The file could not be read to the end.', {}, { cause: error })
        request.log.info(
          { importId: record.id, importFile: describeFileError(fileError) },
          'import file refused while reading',
        )
        return failImport(
          runtime,
          record.id,
          { code: fileError.code, message: fileError.message },
          { actor: actorOf(principal), requestId: request.id },
        )
      },
    )
    .catch((error: unknown) =>
      request.log.error({ err: error, importId: record.id }, 'reading an import in the background failed'),
    )
    .finally(() => upload.discard())
  background.add(continuation)
  void continuation.finally(() => background.delete(continuation))
}
