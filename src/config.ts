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
  DOCUMENT_MAX_BYTES: Type.Integer({
    minimum: 1024,
    maximum: 104_857_600,
    default: 10_485_760,
    description: 'bytes, 1024-104857600: the largest document attached to a case (held in memory while it is checked)',
  }),
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
  HEALTH_CHECK_TIMEOUT_MS: Type.Integer({
    minimum: 100,
    default: 2000,
    description: 'milliseconds (>= 100) the readiness probe waits for the database',
  }),
  DOCS_ENABLED: Type.Boolean({ default: true, description: 'true or false' }),
  DATABASE_USE_APP_ROLE: Type.Boolean({
    default: true,
    description: 'true or false: run requests as the cps_app role, to which row-level security applies',
  }),
  JWT_ISSUER: Type.String({
    minLength: 1,
    default: 'urn:cps:hoang-mai',
    description: 'the iss claim of tokens this service issues',
  }),
  JWT_AUDIENCE: Type.String({ minLength: 1, default: 'cps-api', description: 'the aud claim tokens must carry' }),
  ACCESS_TOKEN_TTL_SECONDS: Type.Integer({
    minimum: 60,
    maximum: 86_400,
    default: 900,
    description: 'seconds, 60-86400',
  }),
  REFRESH_TOKEN_TTL_SECONDS: Type.Integer({
    minimum: 300,
    maximum: 2_592_000,
    default: 28_800,
    description: 'seconds a refresh token stays usable, 300-2592000: a sign-in session unused for that long ends',
  }),
  SESSION_MAX_SECONDS: Type.Integer({
    minimum: 3600,
    maximum: 7_776_000,
    default: 604_800,
    description: 'seconds after a sign-in when its session ends however often it is refreshed, 3600-7776000',
  }),
  JWT_PRIVATE_KEY: Type.Optional(
    Type.String({
      pattern: '-----BEGIN PRIVATE KEY-----',
      description: 'a PKCS#8 PEM EC P-256 private key; unset to generate one and keep it in the database',
    }),
  ),
  JWT_KEY_ID: Type.Optional(
    Type.String({ pattern: '^[A-Za-z0-9._-]{1,64}$', description: 'the kid of JWT_PRIVATE_KEY' }),
  ),
  EXTERNAL_JWT_ISSUER: Type.Optional(
    Type.String({ minLength: 1, description: 'issuer of an identity provider to trust' }),
  ),
  EXTERNAL_JWKS_URL: Type.Optional(
    Type.String({ pattern: '^https?://', description: 'the JWKS URL of that identity provider' }),
  ),
  EXTERNAL_JWT_AUDIENCE: Type.Optional(
    Type.String({ minLength: 1, description: 'the audience its tokens carry for this service' }),
  ),
  BOOTSTRAP_ADMIN_USERNAME: Type.Optional(
    Type.String({ pattern: '^[a-z0-9._-]{3,64}$', description: 'lower-case username, 3-64 characters' }),
  ),
  BOOTSTRAP_ADMIN_PASSWORD: Type.Optional(Type.String({ minLength: 12, description: 'at least 12 characters' })),
  PRINCIPAL_CACHE_TTL_MS: Type.Integer({
    minimum: 0,
    maximum: 30_000,
    default: 5000,
    description: 'milliseconds (0-30000) a user’s role, units and active flag are cached',
  }),
  PASSWORD_MIN_LENGTH: Type.Integer({ minimum: 8, maximum: 128, default: 12, description: 'an integer 8-128' }),
  PASSWORD_HASH_MEMORY_KIB: Type.Integer({
    minimum: 1024,
    default: 19_456,
    description: 'argon2id memory in KiB (>= 1024)',
  }),
  PASSWORD_HASH_ITERATIONS: Type.Integer({ minimum: 1, maximum: 10, default: 2, description: 'argon2id passes, 1-10' }),
  LOGIN_RATE_LIMIT_MAX: Type.Integer({
    minimum: 1,
    default: 30,
    description: 'token requests per minute per client address',
  }),
  WEBHOOK_ALLOW_HTTP: Type.Boolean({
    default: false,
    description: 'true or false: accept http:// webhook receivers (local testing only)',
  }),
  WEBHOOK_ALLOWED_HOSTS: Type.String({
    default: '',
    pattern: '^[A-Za-z0-9.:/_-]*(,[A-Za-z0-9.:/_-]+)*$',
    description: 'comma-separated host names, addresses or CIDR ranges that webhooks may reach although private',
  }),
  WEBHOOK_MAX_ATTEMPTS: Type.Integer({
    minimum: 1,
    maximum: 50,
    default: 10,
    description: 'attempts per event and subscription, 1-50',
  }),
  WEBHOOK_TIMEOUT_MS: Type.Integer({
    minimum: 100,
    maximum: 30_000,
    default: 10_000,
    description: 'milliseconds, 100-30000',
  }),
  SECRETS_KEY: Type.Optional(
    Type.String({
      minLength: 32,
      description:
        'at least 32 characters: seals the secrets the service keeps (webhook signing secrets, its generated token signing key)',
    }),
  ),
  SECRETS_KEY_PREVIOUS: Type.Optional(
    Type.String({
      minLength: 32,
      description:
        'at least 32 characters: the key SECRETS_KEY replaces, still used to open secrets until cps secrets reseal has run',
    }),
  ),
  WEBHOOK_SECRET_KEY: Type.Optional(
    Type.String({ minLength: 32, description: 'at least 32 characters: the former name of SECRETS_KEY, still read' }),
  ),
  JOBS_POLL_INTERVAL_MS: Type.Integer({
    minimum: 0,
    default: 1000,
    description: 'milliseconds between job-queue polls (deadline sweeps, deliveries, imports); 0 disables the worker',
  }),
  AUDIT_SEAL_INTERVAL_MS: Type.Integer({
    minimum: 0,
    default: 1000,
    description: 'milliseconds between audit-chain sealing runs (0 disables the timer)',
  }),
  TALLY_SETTLE_INTERVAL_MS: Type.Integer({
    minimum: 0,
    default: 30_000,
    description: "milliseconds between foldings of the registry tallies' deltas (0 disables the timer)",
  }),
  FOLLOW_UP_DUE_SOON_DAYS: Type.Integer({
    minimum: 0,
    maximum: 30,
    default: 2,
    description: 'days before a follow-up’s due date from which it is due soon (the follow_up.due_soon event)',
  }),
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
  /** The largest document attached to a case (DOCUMENT_MAX_BYTES). */
  documentMaxBytes: number
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
    healthCheckTimeoutMs: number
    docsEnabled: boolean
  }
  useAppRole: boolean
  auth: {
    issuer: string
    audience: string
    accessTokenTtlSeconds: number
    refreshTokenTtlSeconds: number
    sessionMaxSeconds: number
    privateKeyPem: string | undefined
    keyId: string | undefined
    external: { issuer: string; jwksUrl: string; audience: string } | undefined
    bootstrapAdmin: { username: string; password: string | undefined } | undefined
    principalCacheTtlMs: number
    passwordMinLength: number
    passwordHashMemoryKib: number
    passwordHashIterations: number
    loginRateLimitMax: number
  }
  auditSealIntervalMs: number
  tallySettleIntervalMs: number
  jobsPollIntervalMs: number
  /** Days before a follow-up's due date from which it is due soon. */
  followUpDueSoonDays: number
  webhooks: {
    allowHttp: boolean
    allowedHosts: string[]
    maxAttempts: number
    timeoutMs: number
  }
  /**
   * Seals stored secrets (platform/sealing.ts). Unset outside production until the process entry
   * resolves it (resolveSecretsKey: a key file beside the embedded database).
   */
  secretsKey: string | undefined
  /** The key being replaced (SECRETS_KEY_PREVIOUS): secrets still sealed with it open until they are resealed. */
  previousSecretsKey: string | undefined
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
  const crossChecks = crossCheck(env)
  if (crossChecks.length > 0) return { ok: false, errors: crossChecks }
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
      documentMaxBytes: env.DOCUMENT_MAX_BYTES,
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
        healthCheckTimeoutMs: env.HEALTH_CHECK_TIMEOUT_MS,
        docsEnabled: env.DOCS_ENABLED,
      },
      useAppRole: env.DATABASE_USE_APP_ROLE,
      auth: {
        issuer: env.JWT_ISSUER,
        audience: env.JWT_AUDIENCE,
        accessTokenTtlSeconds: env.ACCESS_TOKEN_TTL_SECONDS,
        refreshTokenTtlSeconds: env.REFRESH_TOKEN_TTL_SECONDS,
        sessionMaxSeconds: env.SESSION_MAX_SECONDS,
        privateKeyPem: env.JWT_PRIVATE_KEY,
        keyId: env.JWT_KEY_ID,
        external:
          env.EXTERNAL_JWT_ISSUER && env.EXTERNAL_JWKS_URL && env.EXTERNAL_JWT_AUDIENCE
            ? { issuer: env.EXTERNAL_JWT_ISSUER, jwksUrl: env.EXTERNAL_JWKS_URL, audience: env.EXTERNAL_JWT_AUDIENCE }
            : undefined,
        bootstrapAdmin:
          env.BOOTSTRAP_ADMIN_USERNAME || env.BOOTSTRAP_ADMIN_PASSWORD
            ? { username: env.BOOTSTRAP_ADMIN_USERNAME ?? 'admin', password: env.BOOTSTRAP_ADMIN_PASSWORD }
            : undefined,
        principalCacheTtlMs: env.PRINCIPAL_CACHE_TTL_MS,
        passwordMinLength: env.PASSWORD_MIN_LENGTH,
        passwordHashMemoryKib: env.PASSWORD_HASH_MEMORY_KIB,
        passwordHashIterations: env.PASSWORD_HASH_ITERATIONS,
        loginRateLimitMax: env.LOGIN_RATE_LIMIT_MAX,
      },
      auditSealIntervalMs: env.AUDIT_SEAL_INTERVAL_MS,
      tallySettleIntervalMs: env.TALLY_SETTLE_INTERVAL_MS,
      jobsPollIntervalMs: env.JOBS_POLL_INTERVAL_MS,
      followUpDueSoonDays: env.FOLLOW_UP_DUE_SOON_DAYS,
      webhooks: {
        allowHttp: env.WEBHOOK_ALLOW_HTTP,
        allowedHosts: env.WEBHOOK_ALLOWED_HOSTS === '' ? [] : env.WEBHOOK_ALLOWED_HOSTS.split(','),
        maxAttempts: env.WEBHOOK_MAX_ATTEMPTS,
        timeoutMs: env.WEBHOOK_TIMEOUT_MS,
      },
      secretsKey: env.SECRETS_KEY ?? env.WEBHOOK_SECRET_KEY,
      previousSecretsKey: env.SECRETS_KEY_PREVIOUS,
    },
  }
}

/** Rules that tie variables together; each failure still names the variable to fix. */
function crossCheck(env: Env): string[] {
  const errors: string[] = []
  if (env.JWT_PRIVATE_KEY && !env.JWT_KEY_ID) {
    errors.push(
      'JWT_KEY_ID: invalid value (it is missing); expected the kid of JWT_PRIVATE_KEY, required when JWT_PRIVATE_KEY is set',
    )
  }
  const external = [env.EXTERNAL_JWT_ISSUER, env.EXTERNAL_JWKS_URL, env.EXTERNAL_JWT_AUDIENCE]
  if (external.some(Boolean) && !external.every(Boolean)) {
    for (const name of ['EXTERNAL_JWT_ISSUER', 'EXTERNAL_JWKS_URL', 'EXTERNAL_JWT_AUDIENCE'] as const) {
      if (!env[name])
        errors.push(
          `${name}: invalid value (it is missing); expected a value, since trusting an external issuer needs all three EXTERNAL_* variables`,
        )
    }
  }
  if (env.SECRETS_KEY && env.WEBHOOK_SECRET_KEY && env.SECRETS_KEY !== env.WEBHOOK_SECRET_KEY) {
    errors.push(
      'WEBHOOK_SECRET_KEY: invalid value (it differs from SECRETS_KEY); expected it unset, or equal to SECRETS_KEY, whose former name it is',
    )
  }
  if (env.NODE_ENV === 'production' && env.WEBHOOK_ALLOW_HTTP) {
    errors.push('WEBHOOK_ALLOW_HTTP: invalid value (got "true"); expected false in production: webhooks must use https')
  }
  if (env.NODE_ENV === 'production' && env.DATABASE_URL === undefined) {
    errors.push(
      'DATABASE_URL: invalid value (it is missing); expected a postgres:// connection URL — production runs on PostgreSQL, the embedded database is for desks, demos and tests',
    )
  }
  if (env.ACCESS_TOKEN_TTL_SECONDS > env.REFRESH_TOKEN_TTL_SECONDS) {
    errors.push(
      `ACCESS_TOKEN_TTL_SECONDS: invalid value (got ${env.ACCESS_TOKEN_TTL_SECONDS}); expected at most REFRESH_TOKEN_TTL_SECONDS (${env.REFRESH_TOKEN_TTL_SECONDS}): an access token must not outlive the session it was issued in`,
    )
  }
  if (env.NODE_ENV === 'production' && !env.SECRETS_KEY && !env.WEBHOOK_SECRET_KEY) {
    errors.push(
      'SECRETS_KEY: invalid value (it is missing); expected at least 32 characters in production, shared by every instance: it seals the secrets the service keeps',
    )
  }
  return errors
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
