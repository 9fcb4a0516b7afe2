import { buildApp } from './app.js'
import { loadConfig } from './config.js'
import { openDatabase } from './db/client.js'
import { DataDirectoryInUse } from './db/embedded-lock.js'
import { migrate } from './db/migrate.js'
import { sealStoredSecrets } from './db/secrets.js'
import { seedReferenceData } from './db/seed.js'
import { AccountRejected, ensureBootstrapAdmin } from './modules/users/bootstrap.js'
import { loadExcelJs } from './platform/export.js'
import { createLogger } from './platform/logging.js'
import { resolveSecretsKey } from './platform/sealing.js'

const configResult = loadConfig(process.env)
if (!configResult.ok) {
  process.stderr.write(
    `Configuration is invalid; the service cannot start:\n${configResult.errors.map((e) => `  ${e}`).join('\n')}\n`,
  )
  process.exit(1)
}
const config = configResult.config
const logger = createLogger(config.logLevel)

process.on('unhandledRejection', (reason) => {
  logger.fatal({ err: reason }, 'unhandled promise rejection')
  process.exit(1)
})

async function start() {
  const database = await openDatabase({
    url: config.database.url,
    dataDir: config.database.dataDir,
    poolMax: config.database.poolMax,
    statementTimeoutMs: config.database.statementTimeoutMs,
    onPoolError: (error) => logger.warn({ err: error }, 'idle database connection failed'),
  })
  logger.info({ database: database.kind }, 'database opened')
  if (config.migrateOnStart) {
    const { applied } = await migrate(database)
    logger.info({ applied }, 'migrations checked')
  }
  if (config.seedOnStart) {
    const seeded = await seedReferenceData(database)
    logger.info(seeded, 'reference data checked')
  }
  config.secretsKey = await resolveSecretsKey(config.secretsKey, config.database.dataDir)
  const sealed = await sealStoredSecrets(database, config.secretsKey)
  if (sealed.webhookSecrets + sealed.signingKeys > 0)
    logger.warn(sealed, 'sealed secrets an older version kept in clear')
  const bootstrap = await ensureBootstrapAdmin(database, {
    username: config.auth.bootstrapAdmin?.username,
    password: config.auth.bootstrapAdmin?.password,
    hashing: { memoryKib: config.auth.passwordHashMemoryKib, iterations: config.auth.passwordHashIterations },
    passwordMinLength: config.auth.passwordMinLength,
    now: new Date(),
  })
  if (bootstrap) {
    logger.warn({ username: bootstrap.username }, 'created the first district administrator')
    if (bootstrap.generatedPassword) {
      // Shown once, on the terminal only (stderr, not the JSON log); change it after signing in.
      process.stderr.write(
        `\nFirst district administrator: username "${bootstrap.username}", password "${bootstrap.generatedPassword}"\n` +
          'This password is shown only now. Sign in and change it (PATCH /v1/users/{id}).\n\n',
      )
    }
  }
  if (config.useAppRole) await database.useAppRole()
  const app = await buildApp({ config, database, logger })

  let closing = false
  const shutdown = async (signal: string) => {
    if (closing) return
    closing = true
    logger.info({ signal }, 'shutting down: finishing in-flight requests')
    const forced = setTimeout(() => {
      logger.error({ timeoutMs: config.http.shutdownTimeoutMs }, 'shutdown took too long; exiting')
      process.exit(1)
    }, config.http.shutdownTimeoutMs)
    forced.unref()
    try {
      await app.close()
      logger.info('shutdown complete')
      process.exit(0)
    } catch (error) {
      logger.error({ err: error }, 'shutdown failed')
      process.exit(1)
    }
  }
  process.once('SIGTERM', () => void shutdown('SIGTERM'))
  process.once('SIGINT', () => void shutdown('SIGINT'))

  // Loaded before the service listens rather than in the middle of the first export, where its second of
  // loading would hold every other request (and could trip the event-loop limit into 503s).
  await loadExcelJs()
  await app.listen({ host: config.host, port: config.port })
}

start().catch((error: unknown) => {
  if (error instanceof AccountRejected) {
    // The first administrator's configured name or password breaks a rule: said in words on the terminal.
    process.stderr.write(`${error.message}\n`)
    logger.fatal({ err: error }, 'the first district administrator could not be created')
  } else if (error instanceof DataDirectoryInUse) {
    // Said in words on the terminal: the log records errors by class and code only.
    process.stderr.write(`${error.message}\n`)
    logger.fatal({ err: error, pid: error.owner.pid }, 'the embedded database is in use by another process')
  } else {
    logger.fatal({ err: error }, 'the service could not start')
  }
  process.exit(1)
})
