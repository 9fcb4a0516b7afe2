/**
 * The publication thread's side (publication-thread.ts): each message is one indicator's table to publish, answered
 * with its published figures or with why it could not be.
 */
import { parentPort } from 'node:worker_threads'
import { publishFigures, type PublishJob } from './publication.js'

parentPort!.on('message', ({ id, job }: { id: number; job: PublishJob }) => {
  try {
    parentPort!.postMessage({ id, figures: publishFigures(job.meta, job.figures, true, job.together) })
  } catch (error) {
    parentPort!.postMessage({ id, error: error instanceof Error ? error.message : String(error) })
  }
})
