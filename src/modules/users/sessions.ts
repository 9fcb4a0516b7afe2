/**
 * People's sign-in sessions (migration 0034): a password sign-in opens one; its refresh token is exchanged,
 * once, for a new access token and a new refresh token; a refresh token presented again after its exchange
 * is a copy in other hands and revokes the whole session (reuse detection). Access tokens name their
 * session (`sid`), and a request carrying one of an ended session is refused (principals.ts).
 */
import { randomBytes, randomUUID } from 'node:crypto'
import { and, eq, isNull, ne, sql, type SQL } from 'drizzle-orm'
import type { Executor } from '../../db/client.js'
import { refreshTokenHash, sessionExpiry, sessionState, type SessionSettings } from './rules.js'
import { sessionRefreshTokens, signInSessions, users } from './tables.js'

export type SessionRow = typeof signInSessions.$inferSelect
export type RevocationReason = NonNullable<SessionRow['revokedReason']>

const refreshTokenPrefix = 'cpsrt_'

/** A refresh token: a prefix that says what it is (for secret scanners), and 32 random bytes. */
function newRefreshToken(): string {
  return `${refreshTokenPrefix}${randomBytes(32).toString('base64url')}`
}

/** Whether a token is one of this service's refresh tokens by its form (an access token is a JWT). */
export function isRefreshToken(token: string): boolean {
  return token.startsWith(refreshTokenPrefix)
}

async function issueRefreshToken(tx: Executor, sessionId: string, now: Date): Promise<string> {
  const token = newRefreshToken()
  await tx.insert(sessionRefreshTokens).values({ tokenHash: refreshTokenHash(token), sessionId, issuedAt: now })
  return token
}

/** Opens a session for a person who just signed in; returns it and its first refresh token. */
export async function openSession(
  tx: Executor,
  userId: string,
  now: Date,
  settings: SessionSettings,
): Promise<{ sessionId: string; refreshToken: string }> {
  const sessionId = randomUUID()
  const { idleExpiresAt, expiresAt } = sessionExpiry(now, now, settings)
  await tx
    .insert(signInSessions)
    .values({ id: sessionId, userId, createdAt: now, refreshedAt: now, idleExpiresAt, expiresAt })
  return { sessionId, refreshToken: await issueRefreshToken(tx, sessionId, now) }
}

/** The person a session is of, for the audit trail. */
interface SessionPerson {
  username: string
  role: string
}

export type Exchange =
  | { outcome: 'exchanged'; session: SessionRow; person: SessionPerson; refreshToken: string }
  | { outcome: 'unknown' }
  | { outcome: 'reused'; session: SessionRow; person: SessionPerson }
  | { outcome: 'ended'; session: SessionRow; person: SessionPerson; reason: 'revoked' | 'expired' | 'inactive' }

/**
 * Exchanges a refresh token for a new one, in one transaction: the presented token is marked exchanged
 * (once: of two requests racing with the same token, the second finds it exchanged and is a reuse), the
 * session's idle expiry moves on. A reuse revokes the session.
 */
export async function exchangeRefreshToken(
  tx: Executor,
  token: string,
  now: Date,
  settings: SessionSettings,
): Promise<Exchange> {
  const [found] = await tx
    .select({ session: signInSessions, active: users.active, username: users.username, role: users.role })
    .from(sessionRefreshTokens)
    .innerJoin(signInSessions, eq(signInSessions.id, sessionRefreshTokens.sessionId))
    .innerJoin(users, eq(users.id, signInSessions.userId))
    .where(eq(sessionRefreshTokens.tokenHash, refreshTokenHash(token)))
    .for('update', { of: signInSessions })
  if (!found) return { outcome: 'unknown' }
  const { session } = found
  const person = { username: found.username, role: found.role }
  const state = sessionState(session, now)
  if (state !== 'live') return { outcome: 'ended', session, person, reason: state }
  if (!found.active) return { outcome: 'ended', session, person, reason: 'inactive' }
  const [exchanged] = await tx
    .update(sessionRefreshTokens)
    .set({ exchangedAt: now })
    .where(and(eq(sessionRefreshTokens.tokenHash, refreshTokenHash(token)), isNull(sessionRefreshTokens.exchangedAt)))
    .returning({ sessionId: sessionRefreshTokens.sessionId })
  if (!exchanged) {
    const [revoked] = await revokeWhere(tx, eq(signInSessions.id, session.id), 'reuse', now)
    return { outcome: 'reused', session: revoked ?? session, person }
  }
  const { idleExpiresAt } = sessionExpiry(session.createdAt, now, settings)
  const [refreshed] = await tx
    .update(signInSessions)
    .set({ refreshedAt: now, idleExpiresAt })
    .where(eq(signInSessions.id, session.id))
    .returning()
  return {
    outcome: 'exchanged',
    session: refreshed!,
    person,
    refreshToken: await issueRefreshToken(tx, session.id, now),
  }
}

function revokeWhere(tx: Executor, condition: SQL | undefined, reason: RevocationReason, now: Date) {
  return tx
    .update(signInSessions)
    .set({ revokedAt: now, revokedReason: reason })
    .where(and(condition, isNull(signInSessions.revokedAt)))
    .returning()
}

/** Ends one session; the sessions it ended (none when it had already ended). */
export function revokeSession(
  tx: Executor,
  sessionId: string,
  reason: RevocationReason,
  now: Date,
): Promise<SessionRow[]> {
  return revokeWhere(tx, eq(signInSessions.id, sessionId), reason, now)
}

/** Ends every live session of a person but `keep` (the one the request acts in); the sessions it ended. */
export function revokeSessionsOf(
  tx: Executor,
  userId: string,
  reason: RevocationReason,
  now: Date,
  keep?: string,
): Promise<SessionRow[]> {
  const condition = keep
    ? and(eq(signInSessions.userId, userId), ne(signInSessions.id, keep))
    : eq(signInSessions.userId, userId)
  return revokeWhere(tx, condition, reason, now)
}

/** The session a refresh token belongs to, whether or not it was exchanged (for revocation, RFC 7009). */
export async function sessionOfRefreshToken(db: Executor, token: string): Promise<string | undefined> {
  const [row] = await db
    .select({ sessionId: sessionRefreshTokens.sessionId })
    .from(sessionRefreshTokens)
    .where(eq(sessionRefreshTokens.tokenHash, refreshTokenHash(token)))
  return row?.sessionId
}

/** Whether a session is live now, for the principal of an access token that names it. */
export async function liveSession(db: Executor, sessionId: string, userId: string, now: Date): Promise<boolean> {
  const [row] = await db
    .select({ live: sql<boolean>`true` })
    .from(signInSessions)
    .where(
      and(
        eq(signInSessions.id, sessionId),
        eq(signInSessions.userId, userId),
        isNull(signInSessions.revokedAt),
        sql`${signInSessions.expiresAt} > ${now.toISOString()}::timestamptz`,
      ),
    )
  return row !== undefined
}

/** How long an ended session's rows stay, for whoever looks into it beside the audit trail. */
export const endedSessionsKeptMs = 24 * 3600 * 1000

/**
 * Deletes sessions that ended more than `keepMs` ago, with their refresh tokens: a token of an ended session
 * is refused whether or not its row is still there. Returns how many went.
 */
export async function purgeEndedSessions(db: Executor, now: Date, keepMs: number): Promise<number> {
  const before = new Date(now.getTime() - keepMs).toISOString()
  const deleted = await db
    .delete(signInSessions)
    .where(
      sql`coalesce(${signInSessions.revokedAt}, least(${signInSessions.idleExpiresAt}, ${signInSessions.expiresAt})) < ${before}::timestamptz`,
    )
    .returning({ id: signInSessions.id })
  return deleted.length
}
