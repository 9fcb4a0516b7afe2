/**
 * Pure, CPU-bound work that a request waits on, run on a worker thread of its own so that the thread answering
 * requests goes on meanwhile: one thread per OffThread, jobs in turn, started at the first job. Held open only while
 * a job is out, so an idle thread never keeps the process from exiting; a thread that fails or exits takes its own
 * jobs with it, and the next job starts another.
 */
import { Worker } from 'node:worker_threads'

/** tsx, as its CLI loads it (`…/node_modules/tsx/dist/loader.mjs`) or as `--import tsx` (`=tsx`, `tsx/esm`) names it. */
const namesTsx = (argument: string) => /(^|[=/])tsx(\/|$)/.test(argument)

/**
 * Runs `entry` (a worker module beside the caller, as the caller is run: built JavaScript in production, TypeScript
 * under a loader in development and tests). tap's loader is inherited by worker threads; tsx's is not, so under tsx
 * the entry is imported from a small script that registers tsx first.
 */
function startWorker(entry: URL): Worker {
  if (!entry.pathname.endsWith('.ts') || !process.execArgv.some(namesTsx)) return new Worker(entry)
  const registeringTsx = `
    const { workerData } = require('node:worker_threads')
    import('tsx/esm/api').then(({ register }) => register()).then(() => import(workerData))`
  return new Worker(registeringTsx, { eval: true, workerData: entry.href })
}

/**
 * The worker module `name` beside the module at `moduleUrl`, as that module is run: TypeScript under a loader, built
 * JavaScript in production.
 */
export const workerBeside = (moduleUrl: string, name: string): URL =>
  new URL(`./${name}.${moduleUrl.endsWith('.ts') ? 'ts' : 'js'}`, moduleUrl)

/** What a worker entry answers for each job: its result, or the error it threw. */
export type Answer<Result> = { id: number; result: Result } | { id: number; error: unknown }

interface Settle<Result> {
  resolve: (result: Result) => void
  reject: (error: Error) => void
}

interface Started<Result> {
  worker: Worker
  /** This thread's jobs not yet answered. */
  pending: Map<number, Settle<Result>>
}

export class OffThread<Job, Result> {
  private current: Started<Result> | null = null
  private nextId = 0

  constructor(private readonly entry: URL) {}

  run(job: Job): Promise<Result> {
    const { worker, pending } = this.current ?? this.start()
    const id = this.nextId++
    // Posted first: a job that cannot be cloned is refused, as a promise like any other, leaving nothing pending.
    try {
      worker.postMessage({ id, job })
    } catch (error) {
      return Promise.reject(new Error('the job could not be sent to its thread', { cause: error }))
    }
    if (pending.size === 0) worker.ref()
    return new Promise((resolve, reject) => pending.set(id, { resolve, reject }))
  }

  private start(): Started<Result> {
    const worker = startWorker(this.entry)
    worker.unref()
    const started: Started<Result> = { worker, pending: new Map() }
    const { pending } = started
    worker.on('message', (answer: Answer<Result>) => {
      const settle = pending.get(answer.id)
      pending.delete(answer.id)
      if (pending.size === 0) worker.unref()
      if ('error' in answer) settle?.reject(new Error('the job failed on its thread', { cause: answer.error }))
      else settle?.resolve(answer.result)
    })
    // Only this thread's jobs go with it: a job sent meanwhile went to the thread started after it.
    const lost = (error: Error) => {
      if (this.current === started) this.current = null
      for (const settle of pending.values()) settle.reject(error)
      pending.clear()
    }
    worker.on('error', (error) => lost(new Error('the thread failed', { cause: error })))
    worker.on('exit', (code) => lost(new Error(`the thread exited (${code})`)))
    this.current = started
    return started
  }
}

/**
 * A worker entry's side: answers each job with `work`'s result, or with the error it threw. An answer that cannot be
 * cloned (a function in it) breaks the thread: its jobs are refused and the next job starts another.
 */
export function answerJobs<Job, Result>(
  port: {
    on(event: 'message', listener: (message: { id: number; job: Job }) => void): unknown
    postMessage(answer: Answer<Result>): void
  },
  work: (job: Job) => Result,
): void {
  port.on('message', ({ id, job }) => {
    let answer: Answer<Result>
    try {
      answer = { id, result: work(job) }
    } catch (error) {
      answer = { id, error }
    }
    port.postMessage(answer)
  })
}
