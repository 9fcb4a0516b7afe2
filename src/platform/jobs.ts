import { randomUUID } from 'node:crypto'
import { and, eq, lt, sql } from 'drizzle-orm'
import { queryRows, type Database, type Executor } from '../db/client.js'
import type { Clock } from './clock.js'
import { jobs } from './jobs-tables.js'

export interface JobContext {
  now: Date
  attempt: number
  jobId: number
}

export interface JobDefinition<P extends Record<string, unknown> = Record<string, unknown>> {
  queue: string
  handler(payload: P, context: JobContext): Promise<void>
  maxAttempts?: number
  /** First retry delay; doubled each attempt, with ±20 % jitter so retries do not stampede. */
  backoffBaseMs?: number
}

export interface Schedule {
  queue: string
  everyMs: number
  payload?: Record<string, unknown>
}

type JobRow = typeof jobs.$inferSelect

/** Exponential backoff with jitter; pure, so tests can pin the random part. */
export function retryDelayMs(baseMs: number, attempt: number, random: number): number {
  const exponential = baseMs * 2 ** Math.max(0, attempt - 1)
  return Math.round(exponential * (0.8 + 0.4 * random))
}

/**
 * A job queue in PostgreSQL (or the embedded database): jobs are rows, claimed with
 * `FOR UPDATE SKIP LOCKED` under a lease, retried with backoff, dead-lettered after the last attempt.
 * Enqueueing takes the caller's transaction, so work is queued exactly when the change commits.
 * The same code runs on both databases, so the handlers and their tests are the same everywhere.
 */
export class JobQueue {
  private readonly definitions = new Map<string, JobDefinition>()
  private readonly schedules: Schedule[] = []
  private timer: NodeJS.Timeout | null = null
  private running: Promise<unknown> | null = null
  readonly workerId = `worker-${randomUUID().slice(0, 8)}`

  constructor(
    private readonly database: Database,
    private readonly clock: Clock,
    private readonly options: { pollIntervalMs: number; batchSize?: number; random?: () => number } = {
      pollIntervalMs: 1000,
    },
  ) {}

  register<P extends Record<string, unknown>>(definition: JobDefinition<P>): void {
    this.definitions.set(definition.queue, definition)
  }

  /** A periodic job: each slot of `everyMs` is queued once, whichever instance gets there first. */
  schedule(schedule: Schedule): void {
    this.schedules.push(schedule)
  }

  async send(
    executor: Executor,
    queue: string,
    payload: Record<string, unknown>,
    options: { runAt?: Date; singletonKey?: string; maxAttempts?: number } = {},
  ): Promise<number | null> {
    const definition = this.definitions.get(queue)
    const now = this.clock.now()
    const [row] = await executor
      .insert(jobs)
      .values({
        queue,
        payload,
        runAt: options.runAt ?? now,
        maxAttempts: options.maxAttempts ?? definition?.maxAttempts ?? 5,
        singletonKey: options.singletonKey ?? null,
        createdAt: now,
      })
      .onConflictDoNothing({ target: jobs.singletonKey })
      .returning({ id: jobs.id })
    return row?.id ?? null
  }

  /** Queues the scheduled jobs whose slot has come (idempotent across instances). */
  async enqueueScheduled(): Promise<void> {
    const now = this.clock.now().getTime()
    for (const schedule of this.schedules) {
      const slot = Math.floor(now / schedule.everyMs)
      await this.send(this.database.db, schedule.queue, schedule.payload ?? {}, {
        singletonKey: `schedule:${schedule.queue}:${slot}`,
        runAt: new Date(slot * schedule.everyMs),
      })
    }
  }

  /** Claims due jobs (and jobs whose lease expired) for this worker. */
  private async claim(limit: number): Promise<JobRow[]> {
    const now = this.clock.now()
    // How long a worker may hold a job before another takes it over (crash recovery); a longer job renews it.
    const leaseMs = 60_000
    const rows = await queryRows<{ id: string | number }>(
      this.database.db,
      sql`
      update jobs set state = 'active', attempts = attempts + 1, locked_by = ${this.workerId},
             locked_until = ${new Date(now.getTime() + leaseMs)}, started_at = ${now}
      where id in (
        select id from jobs
        where (state = 'queued' and run_at <= ${now}) or (state = 'active' and locked_until < ${now})
        order by run_at, id
        limit ${limit}
        for update skip locked)
      returning id`,
    )
    const ids = rows.map((row) => Number(row.id))
    if (ids.length === 0) return []
    return this.database.db
      .select()
      .from(jobs)
      .where(
        sql`${jobs.id} in (${sql.join(
          ids.map((id) => sql`${id}`),
          sql`, `,
        )})`,
      )
  }

  private async finish(job: JobRow, error: unknown): Promise<void> {
    const now = this.clock.now()
    const mine = and(eq(jobs.id, job.id), eq(jobs.lockedBy, this.workerId))
    if (!error) {
      await this.database.db
        .update(jobs)
        .set({ state: 'done', finishedAt: now, lockedUntil: null, lastError: null })
        .where(mine)
      return
    }
    // eslint-disable-next-line @typescript-eslint/no-base-to-string -- a job may throw any value (typed `{}` here); lastError keeps its String() form
    const message = error instanceof Error ? error.message : String(error)
    const definition = this.definitions.get(job.queue)
    if (job.attempts >= job.maxAttempts) {
      await this.database.db
        .update(jobs)
        .set({ state: 'dead', finishedAt: now, lockedUntil: null, lastError: message.slice(0, 1000) })
        .where(mine)
      return
    }
    const delay = retryDelayMs(definition?.backoffBaseMs ?? 2000, job.attempts, (this.options.random ?? Math.random)())
    await this.database.db
      .update(jobs)
      .set({
        state: 'queued',
        runAt: new Date(now.getTime() + delay),
        lockedUntil: null,
        lastError: message.slice(0, 1000),
      })
      .where(mine)
  }

  /** Runs every job that is due now, in this process; returns how many ran. Tests call it directly. */
  async runDue(): Promise<number> {
    await this.enqueueScheduled()
    let total = 0
    for (;;) {
      const claimed = await this.claim(this.options.batchSize ?? 20)
      if (claimed.length === 0) return total
      for (const job of claimed) {
        const definition = this.definitions.get(job.queue)
        let failure: unknown = null
        try {
          if (!definition) throw new Error(`no handler for queue ${job.queue}`)
          await definition.handler(job.payload, { now: this.clock.now(), attempt: job.attempts, jobId: job.id })
        } catch (error) {
          failure = error ?? new Error('job failed')
        }
        await this.finish(job, failure)
        total++
      }
    }
  }

  start(onError: (error: unknown) => void): void {
    if (this.timer || this.options.pollIntervalMs <= 0) return
    this.timer = setInterval(() => {
      if (this.running) return
      this.running = this.runDue()
        .catch(onError)
        .finally(() => (this.running = null))
    }, this.options.pollIntervalMs)
    this.timer.unref()
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer)
    this.timer = null
    await this.running
  }

  /** Removes completed jobs older than `olderThanMs`; dead ones stay for inspection. */
  async purgeFinished(olderThanMs: number): Promise<number> {
    const cutoff = new Date(this.clock.now().getTime() - olderThanMs)
    const deleted = await this.database.db
      .delete(jobs)
      .where(and(eq(jobs.state, 'done'), lt(jobs.finishedAt, cutoff)))
      .returning({ id: jobs.id })
    return deleted.length
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    jobs: JobQueue
  }
}
