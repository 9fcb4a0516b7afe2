import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { Writable } from 'node:stream'
import type { FastifyInstance } from 'fastify'
import pg from 'pg'
import type { Test } from 'tap'
import { buildApp } from '../../src/app.js'
import { loadConfig, type Config } from '../../src/config.js'
import { openDatabase, type Database } from '../../src/db/client.js'
import type { Clock } from '../../src/platform/clock.js'
import { createLogger } from '../../src/platform/logging.js'
import { ensurePgliteTemplate, ensurePostgresTemplate, serverUrl } from './template.js'

export class TestClock implements Clock {
  private current: number
  constructor(start: Date | string = new Date()) {
    this.current = new Date(start).getTime()
  }
  now(): Date {
    return new Date(this.current)
  }
  set(instant: Date | string): void {
    this.current = new Date(instant).getTime()
  }
  advance(ms: number): void {
    this.current += ms
  }
}

export const onPostgres = Boolean(process.env.DATABASE_URL)

/**
 * A database of its own for one test file: a clone of the migrated, seeded template — a PGlite data
 * directory, or a database created from the template on the PostgreSQL server when DATABASE_URL is set.
 */
export async function openTestDatabase(t: Test): Promise<Database> {
  const url = process.env.DATABASE_URL
  if (!url) {
    const path = await ensurePgliteTemplate()
    const database = await openDatabase({
      url: undefined,
      dataDir: '',
      poolMax: 1,
      statementTimeoutMs: 30_000,
      pgliteLoadDataDir: new Blob([readFileSync(path)]),
    })
    t.teardown(() => database.close())
    return database
  }
  const template = await ensurePostgresTemplate(url)
  const name = `cps_t_${randomBytes(6).toString('hex')}`
  const admin = new pg.Client({ connectionString: url })
  await admin.connect()
  try {
    await admin.query(`create database "${name}" template "${template}"`)
  } finally {
    await admin.end()
  }
  // Waiting for a pooled connection on a loaded machine can take seconds; production's 3 s would turn that into 503s.
  const database = await openDatabase({
    url: serverUrl(url, name),
    dataDir: '',
    poolMax: 5,
    statementTimeoutMs: 30_000,
    connectTimeoutMs: 30_000,
  })
  t.teardown(async () => {
    await database.close()
    const cleanup = new pg.Client({ connectionString: url })
    await cleanup.connect()
    await cleanup.query(`drop database if exists "${name}" with (force)`)
    await cleanup.end()
  })
  return database
}

export function testConfig(overrides: Record<string, string> = {}): Config {
  const result = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
    RATE_LIMIT_MAX: '100000',
    LOGIN_RATE_LIMIT_MAX: '100000',
    // Cheap hashing keeps the suite fast; production parameters are the defaults.
    PASSWORD_HASH_MEMORY_KIB: '1024',
    PASSWORD_HASH_ITERATIONS: '1',
    SECRETS_KEY: 'synthetic test key: long enough for HKDF, never used outside tests',
    AUDIT_SEAL_INTERVAL_MS: '0',
    TALLY_SETTLE_INTERVAL_MS: '0',
    // Tests run due jobs themselves (app.jobs.runDue()) after moving the clock.
    JOBS_POLL_INTERVAL_MS: '0',
    // Two test files share two cores; load shedding has its own test.
    MAX_EVENT_LOOP_DELAY_MS: '0',
    // A busy machine can hold a query for seconds; readiness has its own test of a database that is gone.
    HEALTH_CHECK_TIMEOUT_MS: '15000',
    ...overrides,
  })
  if (!result.ok) throw new Error(result.errors.join('\n'))
  return result.config
}

export interface TestApp {
  app: FastifyInstance
  database: Database
  clock: TestClock
  /** Every log line the app wrote, parsed, for assertions about what is (not) logged. */
  logs: Record<string, unknown>[]
}

export async function createTestApp(
  t: Test,
  options: {
    env?: Record<string, string>
    now?: string
    database?: Database
    /** Registers extra routes (fixtures for platform tests) before the app is sealed. */
    extend?: (app: FastifyInstance) => void | Promise<void>
  } = {},
): Promise<TestApp> {
  const database = options.database ?? (await openTestDatabase(t))
  const logs: Record<string, unknown>[] = []
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n'))
        if (line) logs.push(JSON.parse(line) as Record<string, unknown>)
      done()
    },
  })
  const config = testConfig(options.env)
  if (config.useAppRole) await database.useAppRole()
  const clock = new TestClock(options.now)
  const app = await buildApp({ config, database, clock, logger: createLogger(config.logLevel, sink) })
  await options.extend?.(app)
  await app.ready()
  t.teardown(() => app.close())
  return { app, database, clock, logs }
}
