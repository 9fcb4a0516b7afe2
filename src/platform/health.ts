import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import fp from 'fastify-plugin'
import Type from 'typebox'
import { appliedMigrationMillis } from '../db/migrate.js'
import { HttpProblem } from './problem.js'
import { problemResponses, ref } from './schemas.js'

export const HealthSchema = Type.Object(
  {
    status: Type.Literal('ok'),
    checks: Type.Optional(Type.Object({ database: Type.Literal('ok'), migrations: Type.Literal('ok') })),
  },
  { $id: 'Health', additionalProperties: false },
)

interface HealthOptions {
  /** folderMillis of the newest migration this build ships; readiness needs the database to have it. */
  expectedMigrationMillis: number
  /** How long readiness waits for the database before calling it unavailable. */
  databaseTimeoutMs: number
}

async function healthPlugin(app: FastifyInstance, options: HealthOptions) {
  // Draining: Fastify stops accepting connections on close; requests that still arrive on open
  // connections get a problem+json 503 and `Connection: close`, and readiness fails for the balancer.
  let draining = false
  app.addHook('preClose', async () => {
    draining = true
  })
  app.addHook('onRequest', async (_request, reply) => {
    if (!draining) return
    reply.header('connection', 'close')
    throw new HttpProblem(503, 'shutting_down', 'This instance is shutting down; retry on another.', {
      headers: { 'retry-after': '1' },
    })
  })

  const route = app.withTypeProvider<TypeBoxTypeProvider>()
  route.get(
    '/health/live',
    {
      config: { permission: 'public' },
      schema: {
        operationId: 'getLiveness',
        tags: ['health'],
        summary: 'The process is up',
        response: { 200: ref(HealthSchema, 'The process is up') },
      },
    },
    async () => ({ status: 'ok' as const }),
  )
  route.get(
    '/health/ready',
    {
      config: { permission: 'public' },
      schema: {
        operationId: 'getReadiness',
        tags: ['health'],
        summary: 'The service can take traffic: database reachable and migrations applied',
        response: { 200: ref(HealthSchema, 'Ready to take traffic'), ...problemResponses(503) },
      },
    },
    async () => {
      try {
        await app.database.ping(options.databaseTimeoutMs)
      } catch {
        throw new HttpProblem(503, 'database_unavailable', 'The database is not reachable.', {
          headers: { 'retry-after': '5' },
        })
      }
      const applied = await appliedMigrationMillis(app.database.db).catch(() => null)
      if (applied === null || applied < options.expectedMigrationMillis) {
        throw new HttpProblem(
          503,
          'migrations_pending',
          'The database schema is older than this build; run the migrations.',
        )
      }
      return { status: 'ok' as const, checks: { database: 'ok' as const, migrations: 'ok' as const } }
    },
  )
}

export default fp(healthPlugin, { name: 'platform-health', fastify: '5.x', dependencies: ['platform-errors'] })
