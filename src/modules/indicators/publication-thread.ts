/**
 * Disclosure control of a table to publish runs on a thread of its own (platform/off-thread.ts): its linear programs
 * take up to seconds for a large table (its work limit, docs/security.md), and on the thread that answers requests an
 * officer's search would wait for them. One thread, tables in turn: the machine's other core serves requests.
 */
import { OffThread, workerBeside } from '../../platform/off-thread.js'
import type { PublishedFigure, PublishJob } from './publication.js'

const thread = new OffThread<PublishJob, PublishedFigure[]>(workerBeside(import.meta.url, 'publication-worker'))

/** An indicator's figures as a city system may see them (publishFigures, small counts withheld), off this thread. */
export const publishOffThread = (job: PublishJob): Promise<PublishedFigure[]> => thread.run(job)
