/**
 * Background imports: a job per large import, and a sweep that closes what a stopped process left
 * behind. Both through the platform job queue, so that several instances never run one import twice
 * at the same moment and a crashed worker's import is taken over when its lease expires.
 */
import type { FastifyInstance } from 'fastify'
import { abandonedImports, getImport } from './repository.js'
import { actorOf, failImport, processImport, sweepCloser, type ImportRuntime } from './service.js'

export const processQueue = 'imports.process'
const sweepQueue = 'imports.sweep'
const maxAttempts = 5

interface ProcessPayload extends Record<string, unknown> {
  importId: string
  /** The upload's request id: the records' audit events and revisions carry it. */
  requestId: string
}

/** The job's singleton key: one job per import, however often it is queued. */
export const jobKeyOf = (importId: string) => `import:${importId}`

export function registerImportJobs(app: FastifyInstance, runtime: ImportRuntime): void {
  app.jobs.register<ProcessPayload>({
    queue: processQueue,
    maxAttempts,
    backoffBaseMs: 5000,
    handler: async ({ importId, requestId }, { attempt }) => {
      const record = await getImport(app.database.db, importId)
      if (!record || record.state === 'completed' || record.state === 'failed') return
      // The importer's role and units as they are now, not as they were at upload.
      const principal = await app.accounts.principals.current({
        kind: record.principalKind as 'user' | 'client',
        id: record.principalId,
      })
      if (!principal) {
        await failImport(
          runtime,
          importId,
          { code: 'importer_inactive', message: 'The account that uploaded the file can no longer import.' },
          sweepCloser,
        )
        return
      }
      try {
        await processImport(runtime, importId, principal, { requestId })
      } catch (error) {
        if (attempt < maxAttempts) throw error
        app.log.error({ err: error, importId }, 'import failed after its last attempt')
        await failImport(
          runtime,
          importId,
          {
            code: 'processing_failed',
            message: 'The import stopped on an unexpected error; the rows reported as done are imported.',
          },
          { actor: actorOf(principal), requestId },
          { dropRows: false },
        )
      }
    },
  })
  app.jobs.register({
    queue: sweepQueue,
    handler: async (_payload, { now }) => {
      const { reading, running } = await abandonedImports(app.database.db, now)
      for (const record of reading) {
        await failImport(
          runtime,
          record.id,
          { code: 'interrupted', message: 'The service stopped while reading the file; upload it again.' },
          sweepCloser,
        )
      }
      for (const record of running) {
        await app.jobs.send(
          app.database.db,
          processQueue,
          { importId: record.id, requestId: `resume-${record.id}` },
          { singletonKey: jobKeyOf(record.id) },
        )
      }
    },
  })
  app.jobs.schedule({ queue: sweepQueue, everyMs: 10 * 60 * 1000 })
}
