/**
 * Disclosure control of a table to publish runs on a thread of its own: its linear programs take up to seconds for
 * a large table (its work limit, docs/security.md), and on the thread that answers requests an officer's search
 * would wait for them. One thread, jobs in turn: the machine's other core serves requests and the database.
 */
import { Worker } from 'node:worker_threads'
import type { PublishedFigure, PublishJob } from './publication.js'

type Settle = { resolve: (figures: PublishedFigure[]) => void; reject: (error: Error) => void }

/**
 * The worker's entry beside this file, as this file is run: built JavaScript in production, TypeScript under a
 * loader in development and tests. tsx does not carry its loader into worker threads, so under it the worker
 * registers tsx itself before loading the entry; tap's loader is inherited as it is.
 */
function startWorker(): Worker {
  const typescript = import.meta.url.endsWith('.ts')
  const entry = new URL(`./publication-worker.${typescript ? 'ts' : 'js'}`, import.meta.url)
  if (!typescript || !process.execArgv.some((argument) => argument.includes('/tsx/'))) return new Worker(entry)
  const registeringTsx =
    "import('tsx/esm/api').then(({ register }) => { register(); return import(require('node:worker_threads').workerData) })"
  return new Worker(registeringTsx, { eval: true, workerData: entry.href })
}

class PublicationThread {
  private worker: Worker | null = null
  private readonly pending = new Map<number, Settle>()
  private nextId = 0

  publish(job: PublishJob): Promise<PublishedFigure[]> {
    const worker = this.worker ?? this.start()
    const id = this.nextId++
    // Held open while a job is out, let go when none is: an idle thread never keeps the process from exiting.
    if (this.pending.size === 0) worker.ref()
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject })
      worker.postMessage({ id, job })
    })
  }

  private start(): Worker {
    const worker = startWorker()
    worker.unref()
    worker.on('message', ({ id, figures, error }: { id: number; figures?: PublishedFigure[]; error?: string }) => {
      const settle = this.pending.get(id)
      this.pending.delete(id)
      if (this.pending.size === 0) worker.unref()
      if (error !== undefined) settle?.reject(new Error(`publication failed: ${error}`))
      else settle?.resolve(figures!)
    })
    // A thread that failed or exited takes its jobs with it; the next job starts another.
    const lost = (error: Error) => {
      if (this.worker === worker) this.worker = null
      for (const settle of this.pending.values()) settle.reject(error)
      this.pending.clear()
    }
    worker.on('error', lost)
    worker.on('exit', (code) => lost(new Error(`the publication thread exited (${code})`)))
    this.worker = worker
    return worker
  }
}

const thread = new PublicationThread()

/** An indicator's figures as a city system may see them (publishFigures with small counts withheld), off this thread. */
export const publishOffThread = (job: PublishJob): Promise<PublishedFigure[]> => thread.publish(job)
