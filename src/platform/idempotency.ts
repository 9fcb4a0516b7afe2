import { createHash } from 'node:crypto'
import { and, eq, lt, or, sql } from 'drizzle-orm'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import type { Db } from '../db/client.js'
import { idempotencyKeys } from './idempotency-tables.js'
import { HttpProblem } from './problem.js'

const keepMs = 24 * 60 * 60 * 1000
/** An in-flight claim older than this belongs to a request that died; the key may be used again. */
const abandonedAfterMs = 60 * 1000
const acceptableKey = /^[\x21-\x7e]{1,255}$/
const replayedHeaders = ['content-type', 'location', 'etag']

interface Claim {
  principal: string
  key: string
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route creates something: `Idempotency-Key` makes a retry return the first response. */
    idempotent?: boolean
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
  const inserted = await db.insert(idempotencyKeys).values(row).onConflictDoNothing().returning({ key: idempotencyKeys.key })
  return inserted.length === 1
}

/** Deletes expired keys; run periodically by the housekeeping timer. */
export async function purgeExpiredIdempotencyKeys(db: Db, now: Date): Promise<number> {
  const deleted = await db.delete(idempotencyKeys).where(lt(idempotencyKeys.expiresAt, now)).returning({ key: idempotencyKeys.key })
  return deleted.length
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
              and(eq(idempotencyKeys.state, 'in_flight'), lt(idempotencyKeys.createdAt, new Date(now.getTime() - abandonedAfterMs))),
            ),
          ),
        )
      if (!(await claim(db, row))) {
        const [existing] = await db.select().from(idempotencyKeys).where(where)
        if (!existing) throw new HttpProblem(409, 'idempotency_in_progress', 'A request with this Idempotency-Key is being processed.')
        if (existing.requestHash !== requestHash) {
          throw new HttpProblem(422, 'idempotency_key_reused', 'This Idempotency-Key was used for a different request.')
        }
        if (existing.state === 'in_flight') {
          throw new HttpProblem(409, 'idempotency_in_progress', 'A request with this Idempotency-Key is still being processed; retry shortly.', {
            headers: { 'retry-after': '1' },
          })
        }
        reply.code(existing.responseStatus ?? 200)
        for (const [name, value] of Object.entries(existing.responseHeaders ?? {})) reply.header(name, value)
        reply.header('idempotent-replayed', 'true')
        return reply.send(existing.responseBody ?? '')
      }
    }
    request.idempotencyClaim = { principal, key: header }
  })

  app.addHook('onSend', async (request, reply, payload) => {
    const claimed = request.idempotencyClaim
    if (!claimed) return payload
    request.idempotencyClaim = null
    const where = and(eq(idempotencyKeys.principal, claimed.principal), eq(idempotencyKeys.key, claimed.key))
    if (reply.statusCode >= 500) {
      // A failure on our side must not be replayed: the client may retry with the same key.
      await app.database.db.delete(idempotencyKeys).where(where)
      return payload
    }
    const headers: Record<string, string> = {}
    for (const name of replayedHeaders) {
      const value = reply.getHeader(name)
      if (value !== undefined) headers[name] = String(value)
    }
    await app.database.db
      .update(idempotencyKeys)
      .set({
        state: 'done',
        responseStatus: reply.statusCode,
        responseBody: typeof payload === 'string' ? payload : payload === null || payload === undefined ? '' : String(payload),
        responseHeaders: headers,
      })
      .where(and(where, eq(idempotencyKeys.state, sql`'in_flight'`)))
    return payload
  })
}

export default fp(idempotencyPlugin, { name: 'platform-idempotency', fastify: '5.x', dependencies: ['platform-auth'] })
