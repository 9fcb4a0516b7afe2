import { createHash } from 'node:crypto'
import { and, eq, lt, or, sql } from 'drizzle-orm'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import type { Db } from '../db/client.js'
import { idempotencyKeys } from './idempotency-tables.js'
import { HttpProblem } from './problem.js'

const keepMs = 24 * 60 * 60 * 1000
/** An in-flight claim older than this belongs to a request that died; the key may be used again. */
const abandonedAfterMs = 60 * 1000
const acceptableKey = /^[\x21-\x7e]{1,255}$/
/** What a replay copies from reading the created resource again. */
const replayedHeaders = ['content-type', 'etag', 'cache-control']

interface Claim {
  principal: string
  key: string
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * The route creates something: `Idempotency-Key` makes a retry answer with what was created. A
     * route whose response wraps the resource (with a secret shown once) says how to wrap it again.
     */
    idempotent?: boolean | { replayBody: (resource: unknown, request: FastifyRequest) => unknown }
  }
  interface FastifyRequest {
    idempotencyClaim: Claim | null
  }
}

function fingerprint(request: FastifyRequest): string {
  return createHash('sha256')
    .update(`${request.method} ${request.url}\n`)
    .update(JSON.stringify(request.body ?? null))
    .digest('hex')
}

async function claim(db: Db, row: typeof idempotencyKeys.$inferInsert): Promise<boolean> {
  const inserted = await db
    .insert(idempotencyKeys)
    .values(row)
    .onConflictDoNothing()
    .returning({ key: idempotencyKeys.key })
  return inserted.length === 1
}

/** Deletes expired keys; run periodically by the housekeeping timer. */
export async function purgeExpiredIdempotencyKeys(db: Db, now: Date): Promise<number> {
  const deleted = await db
    .delete(idempotencyKeys)
    .where(lt(idempotencyKeys.expiresAt, now))
    .returning({ key: idempotencyKeys.key })
  return deleted.length
}

/**
 * Answers a retry of a request that created something: the created resource as the caller may see it
 * now, read through the same API (its scope, its audit of the read), with the first status and
 * Location. A record since deleted or moved out of the caller's units answers as a read would (404); a
 * secret shown once at creation is not shown again.
 */
async function replay(
  request: FastifyRequest,
  reply: FastifyReply,
  outcome: { responseStatus: number | null; location: string | null },
) {
  const read = await request.server.inject({
    method: 'GET',
    url: outcome.location ?? '/',
    // The caller's own address, so the read counts against the caller's rate limit, not a shared one.
    remoteAddress: request.ip,
    headers: {
      ...(request.headers.authorization ? { authorization: request.headers.authorization } : {}),
      'x-request-id': request.id,
    },
  })
  reply.header('idempotent-replayed', 'true')
  for (const name of replayedHeaders) {
    const value = read.headers[name]
    if (value !== undefined) reply.header(name, value)
  }
  if (read.statusCode !== 200) return reply.code(read.statusCode).send(read.body)
  const idempotent = request.routeOptions.config.idempotent
  const body =
    typeof idempotent === 'object' ? JSON.stringify(await idempotent.replayBody(read.json(), request)) : read.body
  return reply
    .code(outcome.responseStatus ?? 201)
    .header('location', outcome.location)
    .send(body)
}

async function idempotencyPlugin(app: FastifyInstance) {
  app.decorateRequest('idempotencyClaim', null)

  app.addHook('preHandler', async (request, reply) => {
    if (!request.routeOptions.config.idempotent) return
    const header = request.headers['idempotency-key']
    if (header === undefined) return
    if (typeof header !== 'string' || !acceptableKey.test(header)) {
      throw new HttpProblem(400, 'invalid_idempotency_key', 'Idempotency-Key must be 1–255 visible ASCII characters.', {
        errors: [{ location: 'headers', pointer: '/idempotency-key', message: 'is not a valid key' }],
      })
    }
    const db = app.database.db
    const now = app.clock.now()
    const principal = request.principal ? `${request.principal.kind}:${request.principal.id}` : 'anonymous'
    const requestHash = fingerprint(request)
    const row = {
      principal,
      key: header,
      requestHash,
      state: 'in_flight' as const,
      createdAt: now,
      expiresAt: new Date(now.getTime() + keepMs),
    }
    const where = and(eq(idempotencyKeys.principal, principal), eq(idempotencyKeys.key, header))
    if (!(await claim(db, row))) {
      // Expired results and abandoned claims free the key.
      await db
        .delete(idempotencyKeys)
        .where(
          and(
            where,
            or(
              lt(idempotencyKeys.expiresAt, now),
              and(
                eq(idempotencyKeys.state, 'in_flight'),
                lt(idempotencyKeys.createdAt, new Date(now.getTime() - abandonedAfterMs)),
              ),
            ),
          ),
        )
      if (!(await claim(db, row))) {
        const [existing] = await db.select().from(idempotencyKeys).where(where)
        if (!existing)
          throw new HttpProblem(
            409,
            'idempotency_in_progress',
            'A request with this Idempotency-Key is being processed.',
          )
        if (existing.requestHash !== requestHash) {
          throw new HttpProblem(422, 'idempotency_key_reused', 'This Idempotency-Key was used for a different request.')
        }
        if (existing.state === 'in_flight') {
          throw new HttpProblem(
            409,
            'idempotency_in_progress',
            'A request with this Idempotency-Key is still being processed; retry shortly.',
            {
              headers: { 'retry-after': '1' },
            },
          )
        }
        return replay(request, reply, existing)
      }
    }
    request.idempotencyClaim = { principal, key: header }
  })

  app.addHook('onSend', async (request, reply, payload) => {
    const claimed = request.idempotencyClaim
    if (!claimed) return payload
    request.idempotencyClaim = null
    const where = and(eq(idempotencyKeys.principal, claimed.principal), eq(idempotencyKeys.key, claimed.key))
    const location = reply.getHeader('location')
    if (reply.statusCode >= 300 || typeof location !== 'string') {
      // Nothing was created (bad input changes nothing, and a failure on our side rolled back): the
      // retry may run again with the same key.
      await app.database.db.delete(idempotencyKeys).where(where)
      return payload
    }
    await app.database.db
      .update(idempotencyKeys)
      .set({ state: 'done', responseStatus: reply.statusCode, location })
      .where(and(where, eq(idempotencyKeys.state, sql`'in_flight'`)))
    return payload
  })
}

export default fp(idempotencyPlugin, { name: 'platform-idempotency', fastify: '5.x', dependencies: ['platform-auth'] })
