/** The publication thread's side (publication-thread.ts): each job is one indicator's table to publish. */
import { parentPort } from 'node:worker_threads'
import { answerJobs } from '../../platform/off-thread.js'
import { publishFigures, type PublishJob } from './publication.js'

answerJobs(parentPort!, (job: PublishJob) => publishFigures(job.meta, job.figures, true, job.together))
