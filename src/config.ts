import Type, { type Static } from 'typebox'
import Value from 'typebox/value'

/**
 * Every setting comes from the environment and is validated once, here. Each property's
 * `description` is what an operator reads when the value is wrong, so it states what is expected.
 */
const EnvSchema = Type.Object({
  NODE_ENV: Type.Enum(['development', 'production', 'test'], {
    default: 'development',
    description: 'one of development, production, test',
  }),
  HOST: Type.String({ minLength: 1, default: '127.0.0.1', description: 'interface to listen on, e.g. 0.0.0.0' }),
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3000, description: 'a TCP port number 0-65535' }),
  LOG_LEVEL: Type.Enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
    default: 'info',
    description: 'a pino level: fatal, error, warn, info, debug, trace or silent',
  }),
  DATABASE_URL: Type.Optional(
    Type.String({
      pattern: '^postgres(ql)?://',
      description: 'a postgres:// connection URL; leave unset to use the embedded database in DATA_DIR',
    }),
  ),
  DATABASE_POOL_MAX: Type.Integer({ minimum: 1, maximum: 500, default: 10, description: 'an integer 1-500' }),
  DATABASE_STATEMENT_TIMEOUT_MS: Type.Integer({
    minimum: 100,
    default: 15000,
    description: 'milliseconds (>= 100) before a database statement is cancelled',
  }),
  DATA_DIR: Type.String({ minLength: 1, default: './data', description: 'a folder for the embedded database' }),
  MIGRATE_ON_START: Type.Boolean({ default: true, description: 'true or false' }),
  SEED_ON_START: Type.Boolean({ default: true, description: 'true or false' }),
  CORS_ORIGINS: Type.String({
    default: '',
    pattern: '^(|https?://[^,\\s]+(,https?://[^,\\s]+)*)$',
    description: 'comma-separated list of allowed origins such as https://app.example.org, or empty for none',
  }),
  TRUST_PROXY: Type.String({
    default: 'false',
    pattern: '^(true|false|[0-9]+|[0-9a-fA-F.:/]+(,[0-9a-fA-F.:/]+)*)$',
    description: 'false, true, a hop count, or a comma-separated list of proxy addresses/CIDRs',
  }),
  BODY_LIMIT_BYTES: Type.Integer({ minimum: 1024, default: 1_048_576, description: 'bytes (>= 1024)' }),
  REQUEST_TIMEOUT_MS: Type.Integer({ minimum: 1000, default: 30_000, description: 'milliseconds (>= 1000)' }),
  KEEP_ALIVE_TIMEOUT_MS: Type.Integer({ minimum: 1000, default: 72_000, description: 'milliseconds (>= 1000)' }),
  SHUTDOWN_TIMEOUT_MS: Type.Integer({ minimum: 1000, default: 10_000, description: 'milliseconds (>= 1000)' }),
  RATE_LIMIT_MAX: Type.Integer({ minimum: 1, default: 600, description: 'requests per window per client (>= 1)' }),
  RATE_LIMIT_WINDOW_MS: Type.Integer({ minimum: 1000, default: 60_000, description: 'milliseconds (>= 1000)' }),
  MAX_EVENT_LOOP_DELAY_MS: Type.Integer({
    minimum: 0,
    default: 1000,
    description: 'milliseconds of event-loop delay before answering 503 (0 disables)',
  }),
  DOCS_ENABLED: Type.Boolean({ default: true, description: 'true or false' }),
})

type Env = Static<typeof EnvSchema>

export interface Config {
  env: Env['NODE_ENV']
  host: string
  port: number
  logLevel: Env['LOG_LEVEL']
  database: {
    url: string | undefined
    poolMax: number
    statementTimeoutMs: number
    dataDir: string
  }
  migrateOnStart: boolean
  seedOnStart: boolean
  http: {
    corsOrigins: string[]
    trustProxy: boolean | number | string[]
    bodyLimitBytes: number
    requestTimeoutMs: number
    keepAliveTimeoutMs: number
    shutdownTimeoutMs: number
    rateLimitMax: number
    rateLimitWindowMs: number
    maxEventLoopDelayMs: number
    docsEnabled: boolean
  }
}

export type ConfigResult = { ok: true; config: Config } | { ok: false; errors: string[] }

const knownVariables = Object.keys(EnvSchema.properties) as (keyof Env)[]

/** Pure: environment in, typed config or one readable line per bad variable out. */
export function loadConfig(environment: NodeJS.ProcessEnv): ConfigResult {
  const raw: Record<string, string> = {}
  for (const name of knownVariables) {
    const value = environment[name]
    // An empty variable means "not set", as in most process managers and .env files.
    if (value !== undefined && value !== '') raw[name] = value.trim()
  }
  const converted = Value.Convert(EnvSchema, Value.Default(EnvSchema, raw))
  const errors = [...Value.Errors(EnvSchema, converted)]
  if (errors.length > 0) {
    const seen = new Set<string>()
    const lines: string[] = []
    for (const error of errors) {
      const name = error.instancePath.replace(/^\//, '') as keyof Env
      if (seen.has(name)) continue
      seen.add(name)
      const property = EnvSchema.properties[name] as { description?: string } | undefined
      const got = raw[name] === undefined ? 'it is missing' : `got ${JSON.stringify(raw[name])}`
      lines.push(`${name}: invalid value (${got}); expected ${property?.description ?? error.message}`)
    }
    return { ok: false, errors: lines }
  }
  const env = converted as Env
  if (env.NODE_ENV === 'production' && env.DATABASE_URL === undefined) {
    return {
      ok: false,
      errors: [
        'DATABASE_URL: invalid value (it is missing); expected a postgres:// connection URL — production runs on PostgreSQL, the embedded database is for desks, demos and tests',
      ],
    }
  }
  return {
    ok: true,
    config: {
      env: env.NODE_ENV,
      host: env.HOST,
      port: env.PORT,
      logLevel: env.LOG_LEVEL,
      database: {
        url: env.DATABASE_URL,
        poolMax: env.DATABASE_POOL_MAX,
        statementTimeoutMs: env.DATABASE_STATEMENT_TIMEOUT_MS,
        dataDir: env.DATA_DIR,
      },
      migrateOnStart: env.MIGRATE_ON_START,
      seedOnStart: env.SEED_ON_START,
      http: {
        corsOrigins: env.CORS_ORIGINS === '' ? [] : env.CORS_ORIGINS.split(','),
        trustProxy: parseTrustProxy(env.TRUST_PROXY),
        bodyLimitBytes: env.BODY_LIMIT_BYTES,
        requestTimeoutMs: env.REQUEST_TIMEOUT_MS,
        keepAliveTimeoutMs: env.KEEP_ALIVE_TIMEOUT_MS,
        shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS,
        rateLimitMax: env.RATE_LIMIT_MAX,
        rateLimitWindowMs: env.RATE_LIMIT_WINDOW_MS,
        maxEventLoopDelayMs: env.MAX_EVENT_LOOP_DELAY_MS,
        docsEnabled: env.DOCS_ENABLED,
      },
    },
  }
}

function parseTrustProxy(value: string): boolean | number | string[] {
  if (value === 'true') return true
  if (value === 'false') return false
  if (/^[0-9]+$/.test(value)) return Number(value)
  return value.split(',')
}

/** The variables, their defaults and what they expect: the source of the README's table. */
export function describeVariables(): { name: string; default: unknown; expected: string }[] {
  return knownVariables.map((name) => {
    const property = EnvSchema.properties[name] as { default?: unknown; description?: string }
    return { name, default: property.default, expected: property.description ?? '' }
  })
}
