import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import type { TSchema } from 'typebox'
import type { Config } from './config.js'
import type { Database } from './db/client.js'
import { readMigrations } from './db/migrate.js'
import { periodicAuditSealer } from './modules/audit/repository.js'
import auditRoutes from './modules/audit/routes.js'
import { auditSchemas } from './modules/audit/schemas.js'
import calendarRoutes from './modules/calendar/routes.js'
import { calendarSchemas } from './modules/calendar/schemas.js'
import catalogueRoutes from './modules/children/groups.js'
import childDuplicatesRoutes from './modules/children/duplicates-routes.js'
import childExportRoutes from './modules/children/export-routes.js'
import childHistoryRoutes from './modules/children/history-routes.js'
import childPartsRoutes from './modules/children/parts-routes.js'
import childConsentRoutes from './modules/children/consent-routes.js'
import childRoutes from './modules/children/routes.js'
import { childSchemas } from './modules/children/schemas.js'
import { settleRegistryTallies } from './modules/children/repository.js'
import criteriaRoutes from './modules/criteria/routes.js'
import dhis2Routes from './modules/dhis2/routes.js'
import { dhis2Schemas } from './modules/dhis2/schemas.js'
import { criteriaSchemas } from './modules/criteria/schemas.js'
import householdRoutes from './modules/households/routes.js'
import householdBookRoutes from './modules/households/book-routes.js'
import importRoutes from './modules/imports/routes.js'
import { importSchemas } from './modules/imports/schemas.js'
import incidentRoutes from './modules/incidents/routes.js'
import caseDocumentRoutes from './modules/incidents/documents-routes.js'
import { caseDocumentSchemas } from './modules/incidents/documents-schemas.js'
import caseFormRoutes from './modules/incidents/forms-routes.js'
import { caseFormSchemas } from './modules/incidents/forms-schemas.js'
import { incidentSchemas } from './modules/incidents/schemas.js'
import { calendarExpiryJob, calendarExpiryQueue } from './modules/calendar/expiry.js'
import { dailyIncidentCountsJob, dailyIncidentCountsQueue } from './modules/incidents/daily.js'
import { registerPublishAhead } from './modules/indicators/publish-ahead.js'
import caseStepRuleRoutes from './modules/incidents/rules-routes.js'
import { deadlineSweepJob, sweepQueue } from './modules/incidents/sweep.js'
import followUpRoutes from './modules/incidents/follow-up-routes.js'
import { followUpSchemas } from './modules/incidents/follow-up-schemas.js'
import { followUpSweepJob, followUpSweepQueue } from './modules/incidents/follow-up-sweep.js'
import taskRoutes from './modules/tasks/routes.js'
import intakeRoutes from './modules/intake/routes.js'
import { intakeSchemas } from './modules/intake/schemas.js'
import directoryRoutes from './modules/referrals/directory-routes.js'
import referralRoutes from './modules/referrals/routes.js'
import { referralSchemas } from './modules/referrals/schemas.js'
import { referralSweepJob, referralSweepQueue } from './modules/referrals/sweep.js'
import { taskSchemas } from './modules/tasks/schemas.js'
import { householdSchemas } from './modules/households/schemas.js'
import indicatorRoutes from './modules/indicators/routes.js'
import { indicatorSchemas } from './modules/indicators/schemas.js'
import reportRoutes from './modules/reports/routes.js'
import { reportSchemas } from './modules/reports/schemas.js'
import unitsRoutes from './modules/units/routes.js'
import { unitSchemas } from './modules/units/schemas.js'
import { reformSchemas } from './modules/reform/schemas.js'
import reformRoutes from './modules/reform/routes.js'
import { registerReformJobs } from './modules/reform/service.js'
import authRoutes from './modules/users/auth-routes.js'
import userRoutes from './modules/users/routes.js'
import { requireDeclaredPreconditions } from './platform/concurrency.js'
import { checkDeclaredProblemCodes, checkDeclaredResponseHeaders } from './platform/contract-check.js'
import { purgeLoginAttempts } from './modules/users/repository.js'
import { endedSessionsKeptMs, purgeEndedSessions } from './modules/users/sessions.js'
import { knownAddressMs, throttleMemoryMs } from './modules/users/rules.js'
import { userSchemas } from './modules/users/schemas.js'
import { createAccountServices } from './modules/users/account-services.js'
import { forgetReplacedSecrets } from './modules/webhooks/repository.js'
import webhookRoutes from './modules/webhooks/routes.js'
import { webhookSchemas } from './modules/webhooks/schemas.js'
import { registerWebhookJobs } from './modules/webhooks/service.js'
import auth from './platform/auth.js'
import { systemClock, type Clock } from './platform/clock.js'
import errors, { problemFromError, sendProblem } from './platform/errors.js'
import health, { HealthSchema } from './platform/health.js'
import text from './platform/text.js'
import housekeeping from './platform/housekeeping.js'
import idempotency, { purgeExpiredIdempotencyKeys } from './platform/idempotency.js'
import { JobQueue } from './platform/jobs.js'
import { requestIdFor } from './platform/logging.js'
import openapi from './platform/openapi.js'
import { platformSchemas } from './platform/schemas.js'
import security from './platform/security.js'
import './platform/types.js'
import { cachedSerializerFactory } from './platform/serialization.js'
import { createValidatorCompiler } from './platform/validation.js'

export interface AppDependencies {
  config: Config
  database: Database
  logger: Logger
  clock?: Clock
}

/** Every schema with an $id: registered once, referenced by routes, emitted as OpenAPI components. */
const sharedSchemas: TSchema[] = [
  ...platformSchemas,
  HealthSchema,
  ...unitSchemas,
  ...calendarSchemas,
  ...childSchemas,
  ...householdSchemas,
  ...incidentSchemas,
  ...caseDocumentSchemas,
  ...caseFormSchemas,
  ...followUpSchemas,
  ...taskSchemas,
  ...referralSchemas,
  ...intakeSchemas,
  ...criteriaSchemas,
  ...indicatorSchemas,
  ...reportSchemas,
  ...dhis2Schemas,
  ...userSchemas,
  ...auditSchemas,
  ...webhookSchemas,
  ...importSchemas,
  ...reformSchemas,
]

/** Builds the application without touching the network or the database: that happens on listen/requests. */
export async function buildApp(deps: AppDependencies): Promise<FastifyInstance> {
  const { config, database } = deps
  const clock = deps.clock ?? systemClock
  // Typed as Fastify's logger, so the instance is the plain FastifyInstance rather than one generic over pino's Logger.
  const logger: FastifyBaseLogger = deps.logger
  const app = Fastify({
    loggerInstance: logger,
    schemaController: { compilersFactory: { buildSerializer: cachedSerializerFactory } },
    genReqId: requestIdFor,
    logController: new LogController({
      requestIdLogLabel: 'requestId',
      // Orchestrator probes every few seconds would drown the log.
      disableRequestLogging: (request) => request.url.startsWith('/health/'),
    }),
    bodyLimit: config.http.bodyLimitBytes,
    requestTimeout: config.http.requestTimeoutMs,
    keepAliveTimeout: config.http.keepAliveTimeoutMs,
    connectionTimeout: config.http.requestTimeoutMs,
    // A hop count is supported at runtime (proxy-addr) though the type declarations omit it.
    trustProxy: config.http.trustProxy as boolean | string[],
    // Draining is answered by the health plugin, as problem+json.
    return503OnClosing: false,
    forceCloseConnections: 'idle',
    routerOptions: { maxParamLength: 200, ignoreTrailingSlash: false },
    // Errors the router raises before any route is chosen (a malformed or overlong URL): problem+json too.
    frameworkErrors: (error, request, reply) => void sendProblem(reply, problemFromError(error)),
  })
  // Bodies are JSON (or an import's file, which its module reads): text/plain would reach JSON schemas as a string.
  app.removeContentTypeParser('text/plain')

  app.decorate('config', config)
  app.decorate('database', database)
  app.decorate('clock', clock)
  const accounts = createAccountServices(config, database, clock, (kid) =>
    app.log.error(
      { kid },
      'a stored token signing key cannot be opened with SECRETS_KEY (or SECRETS_KEY_PREVIOUS): it no longer signs',
    ),
  )
  app.decorate('accounts', accounts)
  const jobQueue = new JobQueue(database, clock, { pollIntervalMs: config.jobsPollIntervalMs })
  app.decorate('jobs', jobQueue)

  for (const schema of sharedSchemas) app.addSchema(schema)
  app.setValidatorCompiler(createValidatorCompiler(sharedSchemas))

  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id)
  })
  app.addHook('onReady', async () => {
    jobQueue.start((error) => app.log.warn({ err: error }, 'job worker failed'))
  })
  app.addHook('preClose', async () => {
    await jobQueue.stop()
  })
  app.addHook('onClose', async () => {
    await database.close()
  })

  await app.register(errors)
  await app.register(text)
  await app.register(security)
  await app.register(auth, {
    authenticate: async (token) => accounts.principals.forToken(await accounts.tokens.verify(token, clock.now())),
  })
  // Before idempotency's own onSend: an answer that breaks the contract is not stored for replay.
  if (config.env !== 'production') checkDeclaredResponseHeaders(app)
  // The codes are declared from what the suite answers (and by hand): a path no test has reached yet must not
  // turn a developer's 4xx into a 500, so the check holds the test suite only.
  if (config.env === 'test') checkDeclaredProblemCodes(app)
  await app.register(idempotency)
  requireDeclaredPreconditions(app)
  await app.register(openapi)
  const migrations = readMigrations()
  await app.register(health, {
    expectedMigrationMillis: migrations[migrations.length - 1]?.folderMillis ?? 0,
    databaseTimeoutMs: config.http.healthCheckTimeoutMs,
  })
  await app.register(housekeeping, {
    tasks: [
      { name: 'seal-audit-chain', intervalMs: config.auditSealIntervalMs, run: periodicAuditSealer(database.db) },
      {
        name: 'settle-registry-tallies',
        intervalMs: config.tallySettleIntervalMs,
        run: () => settleRegistryTallies(database.db),
      },
      {
        name: 'purge-idempotency-keys',
        intervalMs: 10 * 60 * 1000,
        run: (now) => purgeExpiredIdempotencyKeys(database.db, now),
      },
      {
        name: 'purge-login-attempts',
        intervalMs: 60 * 60 * 1000,
        run: (now) => purgeLoginAttempts(database.db, now, throttleMemoryMs, knownAddressMs),
      },
      {
        name: 'forget-replaced-webhook-secrets',
        intervalMs: 60 * 60 * 1000,
        run: (now) => forgetReplacedSecrets(database.db, now),
      },
      {
        name: 'purge-ended-sessions',
        intervalMs: 60 * 60 * 1000,
        run: (now) => purgeEndedSessions(database.db, now, endedSessionsKeptMs),
      },
      {
        name: 'purge-finished-jobs',
        intervalMs: 60 * 60 * 1000,
        run: () => jobQueue.purgeFinished(7 * 24 * 60 * 60 * 1000),
      },
    ],
  })

  await app.register(authRoutes)
  await app.register(userRoutes)
  await app.register(auditRoutes)
  await app.register(unitsRoutes)
  await app.register(calendarRoutes)
  await app.register(catalogueRoutes)
  await app.register(householdRoutes)
  await app.register(householdBookRoutes)
  await app.register(childRoutes)
  await app.register(childPartsRoutes)
  await app.register(childConsentRoutes)
  await app.register(childHistoryRoutes)
  await app.register(childDuplicatesRoutes)
  await app.register(childExportRoutes)
  await app.register(importRoutes)
  await app.register(incidentRoutes)
  await app.register(caseDocumentRoutes)
  await app.register(caseFormRoutes)
  await app.register(followUpRoutes)
  await app.register(taskRoutes)
  await app.register(directoryRoutes)
  await app.register(referralRoutes)
  await app.register(intakeRoutes)
  await app.register(caseStepRuleRoutes)
  await app.register(criteriaRoutes)
  await app.register(indicatorRoutes)
  await app.register(reportRoutes)
  await app.register(dhis2Routes)
  jobQueue.register(deadlineSweepJob(database))
  jobQueue.schedule({ queue: sweepQueue, everyMs: 60_000 })
  jobQueue.register(followUpSweepJob(database, config.followUpDueSoonDays))
  jobQueue.schedule({ queue: followUpSweepQueue, everyMs: 5 * 60_000 })
  jobQueue.register(referralSweepJob(database))
  jobQueue.schedule({ queue: referralSweepQueue, everyMs: 60_000 })
  jobQueue.register(calendarExpiryJob(database))
  jobQueue.schedule({ queue: calendarExpiryQueue, everyMs: 60 * 60_000 })
  jobQueue.register(dailyIncidentCountsJob(database))
  jobQueue.schedule({ queue: dailyIncidentCountsQueue, everyMs: 60 * 60_000 })
  registerPublishAhead(jobQueue, database)
  await app.register(webhookRoutes)
  registerWebhookJobs(app)
  await app.register(reformRoutes)
  registerReformJobs(app)

  return app
}
