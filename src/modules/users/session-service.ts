/**
 * What a person does with their own sessions and password: log out, revoke a token (RFC 7009), change
 * their password. Each is audited; none ever logs or stores a token or a password.
 */
import type { FastifyRequest } from 'fastify'
import type { Static } from 'typebox'
import { audit } from '../../platform/audit.js'
import { badRequest, bodyErrors, conflict, HttpProblem, unprocessable } from '../../platform/problem.js'
import { hashSecret, verifySecret } from './passwords.js'
import { getUser, recordSignIn, updateUser } from './repository.js'
import type { ChangePasswordBody, RevokeTokenBody } from './schemas.js'
import { weakPassword } from './service.js'
import {
  isRefreshToken,
  revokeSession,
  revokeSessionsOf,
  sessionOfRefreshToken,
  type RevocationReason,
} from './sessions.js'
import { admit } from './sign-in.js'

/** Ends a session (if it was live), audits it, and forgets the principals cached for its person. */
async function endSession(request: FastifyRequest, sessionId: string, reason: RevocationReason): Promise<void> {
  const { database, clock, accounts } = request.server
  const ended = await database.db.transaction(async (tx) => {
    const [session] = await revokeSession(tx, sessionId, reason, clock.now())
    if (session)
      await audit(tx, request, {
        action: reason === 'logout' ? 'auth.logout' : 'auth.revoke',
        resourceType: 'session',
        resourceId: session.id,
        outcome: 'success',
        ...(request.principal ? {} : { actor: { type: 'user', id: session.userId, name: null, role: null } }),
      })
    return session
  })
  if (ended) accounts.principals.invalidate('user', ended.userId)
}

/** POST /v1/auth/logout: the session the caller's token was issued in ends, with its refresh token. */
export async function logOut(request: FastifyRequest): Promise<void> {
  const { sessionId } = request.principal!
  if (sessionId) await endSession(request, sessionId, 'logout')
}

/**
 * POST /v1/auth/revoke (RFC 7009): a refresh token, or an access token issued in a session, ends its
 * session. Whatever the token (unknown, expired, a machine client's), the answer is the same: nothing
 * tells the caller whether it named anything.
 */
export async function revokeToken(request: FastifyRequest, body: Static<typeof RevokeTokenBody>): Promise<void> {
  const sessionId = isRefreshToken(body.token)
    ? await sessionOfRefreshToken(request.server.database.db, body.token)
    : await sessionOfAccessToken(request, body.token)
  if (sessionId) await endSession(request, sessionId, 'revoked')
}

/** The session an access token was issued in; none for an expired or foreign token, or one outside a session. */
async function sessionOfAccessToken(request: FastifyRequest, token: string): Promise<string | undefined> {
  const { accounts, clock } = request.server
  try {
    return (await accounts.tokens.verify(token, clock.now())).sessionId
  } catch (error) {
    if (error instanceof HttpProblem) return undefined
    throw error
  }
}

/**
 * POST /v1/me/password: a person changes their own password, giving the current one. Every other session
 * of theirs ends (a copy of the old password signed in nowhere else for long); the one they act in stays.
 */
export async function changeOwnPassword(
  request: FastifyRequest,
  body: Static<typeof ChangePasswordBody>,
): Promise<void> {
  const { database, clock, accounts } = request.server
  const principal = request.principal!
  if (principal.kind !== 'user')
    throw new HttpProblem(
      403,
      'not_a_person',
      'A machine client has a secret, not a password: an administrator issues a new client.',
    )
  const user = await getUser(database.db, principal.id)
  if (!user?.passwordHash)
    throw conflict('no_local_password', 'This account signs in through an identity provider and has no password here.')
  // Counted as a sign-in attempt is, before it is checked: a stolen session cannot guess faster than a sign-in.
  const actor = { type: 'user' as const, id: user.id, name: user.username, role: user.role }
  const attempt = await admit(request, `user:${user.username.toLowerCase()}`, actor, 'password_change')
  if (!(await verifySecret(user.passwordHash, body.currentPassword))) {
    await audit(database.db, request, {
      action: 'user.password.change',
      resourceType: 'user',
      resourceId: user.id,
      outcome: 'failure',
      details: { reason: 'wrong_password' },
    })
    throw badRequest('wrong_password', 'The current password is wrong.')
  }
  // The right password: the guesses counted before it are forgiven, whatever becomes of the new one.
  await recordSignIn(database.db, attempt, clock.now())
  const problems = weakPassword(
    body.newPassword,
    { username: user.username, displayName: user.displayName, minLength: accounts.passwordMinLength },
    '/newPassword',
  )
  if (body.newPassword === body.currentPassword)
    problems.push(
      ...bodyErrors([
        { pointer: '/newPassword', message: 'must differ from the current password', code: 'same_password' },
      ]),
    )
  if (problems.length > 0)
    throw unprocessable(
      'invalid_password',
      `The new password cannot be used: ${problems.map((problem) => problem.message).join('; ')}.`,
      problems,
    )
  const passwordHash = await hashSecret(body.newPassword, accounts.hashing)
  const now = clock.now()
  await database.db.transaction(async (tx) => {
    const updated = await updateUser(tx, user.id, user.version, { passwordHash }, now)
    if (!updated) throw conflict('concurrent_change', 'The account changed meanwhile; try again.')
    const ended = await revokeSessionsOf(tx, user.id, 'password_changed', now, principal.sessionId)
    await audit(tx, request, {
      action: 'user.password.change',
      resourceType: 'user',
      resourceId: user.id,
      outcome: 'success',
      details: { sessionsEnded: ended.length },
    })
  })
  accounts.principals.invalidate('user', user.id)
}
