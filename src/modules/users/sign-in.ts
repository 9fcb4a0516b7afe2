/**
 * Signing in (POST /v1/auth/token): the password, client_credentials and refresh_token grants. Every attempt is counted
 * before its secret is checked (rules.ts, the throttle), and audited: refused, failed or succeeded.
 */
import type { FastifyRequest } from 'fastify'
import type { Static } from 'typebox'
import { audit } from '../../platform/audit.js'
import { HttpProblem } from '../../platform/problem.js'
import { textFault } from '../../platform/text.js'
import { verifySecret } from './passwords.js'
import { countLoginAttempt, findUserByUsername, getClient, lastSignInFrom, recordSignIn } from './repository.js'
import { knownAddressMs, remainingThrottleMs, throttleAddress, type SessionSettings } from './rules.js'
import { exchangeRefreshToken, openSession } from './sessions.js'
import type { TokenRequestBody } from './schemas.js'

type TokenRequest = Static<typeof TokenRequestBody>
type Actor = { type: 'user' | 'client' | 'anonymous'; id: string | null; name: string | null; role: string | null }

/** OAuth-style failure as problem+json; `error` carries the RFC 6749 code for OAuth client libraries. */
function oauthProblem(status: number, error: string, detail: string, headers?: Record<string, string>) {
  return new HttpProblem(status, error, detail, { extensions: { error }, headers })
}

function invalidClient(detail: string) {
  return oauthProblem(401, 'invalid_client', detail, { 'www-authenticate': 'Basic realm="cps"' })
}

/** HTTP Basic client credentials (RFC 6749 §2.3.1: each part form-encoded); the scheme's case does not matter. */
function basicCredentials(request: FastifyRequest): { id: string; secret: string } | undefined {
  const header = request.headers.authorization ?? ''
  if (!/^basic\s/i.test(header)) return undefined
  const match = /^basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header)
  const decoded = match ? Buffer.from(match[1]!, 'base64').toString('utf8') : ''
  const colon = decoded.indexOf(':')
  if (colon < 0) throw invalidClient('The Basic credentials are not of the form client_id:client_secret in base64.')
  let credentials: { id: string; secret: string }
  try {
    credentials = {
      id: decodeURIComponent(decoded.slice(0, colon)),
      secret: decodeURIComponent(decoded.slice(colon + 1)),
    }
  } catch {
    throw invalidClient('The Basic credentials are not validly form-encoded.')
  }
  // The body is checked for text once for all routes; a header decoded here is checked here.
  if (textFault(credentials.id) || textFault(credentials.secret))
    throw invalidClient('The Basic credentials are not text.')
  return credentials
}

/**
 * Counts the attempt for the account and for the account from this address before anything is
 * checked, in one locking transaction, and refuses it while either must still wait. An address the
 * account signed in from lately is not held to the account-wide wait. Also for a password checked
 * anywhere else (a password change): every guess counts against the same account.
 */
export async function admit(
  request: FastifyRequest,
  account: string,
  actor: Actor,
  grantType: string,
): Promise<{ account: string; address: string }> {
  const { database, clock } = request.server
  const address = `${account}@${throttleAddress(request.ip)}`
  const now = clock.now()
  const lastSignIn = await lastSignInFrom(database.db, address)
  const known = lastSignIn !== null && now.getTime() - lastSignIn.getTime() < knownAddressMs
  const admission = await database.db.transaction((tx) =>
    countLoginAttempt(
      tx,
      [
        {
          key: account,
          waitMs: (attempts, last) => (known ? 0 : remainingThrottleMs('account', attempts, last, now)),
        },
        { key: address, waitMs: (attempts, last) => remainingThrottleMs('address', attempts, last, now) },
      ],
      now,
    ),
  )
  if (admission.waitMs > 0) {
    await audit(database.db, request, {
      action: 'auth.token',
      outcome: 'denied',
      actor,
      details: { grantType, reason: 'throttled', failures: admission.attempts },
    })
    const seconds = Math.ceil(admission.waitMs / 1000)
    throw oauthProblem(429, 'login_throttled', `Too many failed attempts; try again in ${seconds} s.`, {
      'retry-after': String(seconds),
    })
  }
  return { account, address }
}

async function fail(request: FastifyRequest, actor: Actor, grantType: string, reason: string) {
  await audit(request.server.database.db, request, {
    action: 'auth.token',
    outcome: 'failure',
    actor,
    details: { grantType, reason },
  })
}

async function succeed(
  request: FastifyRequest,
  keys: { account: string; address: string },
  actor: Actor & { id: string },
  grantType: string,
  kind: 'user' | 'client',
) {
  const { database, clock, accounts } = request.server
  const now = clock.now()
  // A person signs in to a session that a refresh token keeps alive; a machine client signs in again instead.
  const session = await database.db.transaction(async (tx) => {
    await recordSignIn(tx, keys, now)
    const opened = kind === 'user' ? await openSession(tx, actor.id, now, sessionSettings(request)) : undefined
    await audit(tx, request, {
      action: 'auth.token',
      outcome: 'success',
      actor,
      details: { grantType, ...(opened ? { sessionId: opened.sessionId } : {}) },
    })
    return opened
  })
  const { token, expiresIn } = await accounts.tokens.issue({ kind, id: actor.id }, now, undefined, session?.sessionId)
  return {
    access_token: token,
    token_type: 'Bearer' as const,
    expires_in: expiresIn,
    ...(session ? { refresh_token: session.refreshToken } : {}),
  }
}

function sessionSettings(request: FastifyRequest): SessionSettings {
  const { auth } = request.server.config
  return { refreshTokenTtlSeconds: auth.refreshTokenTtlSeconds, sessionMaxSeconds: auth.sessionMaxSeconds }
}

/**
 * The refresh_token grant: the token is exchanged once for a new access token and a new refresh token.
 * Every outcome is audited as `auth.refresh`; a reuse ends the session and is audited as denied.
 */
async function refreshGrant(request: FastifyRequest, body: TokenRequest) {
  if (!body.refresh_token) throw oauthProblem(400, 'invalid_request', 'The refresh_token grant needs refresh_token.')
  const { database, clock, accounts } = request.server
  const now = clock.now()
  const refused = 'The refresh token is unknown, was already used, or its session has ended; sign in again.'
  const exchange = await database.db.transaction(async (tx) => {
    const result = await exchangeRefreshToken(tx, body.refresh_token!, now, sessionSettings(request))
    const actor: Actor =
      result.outcome === 'unknown'
        ? { type: 'anonymous', id: null, name: null, role: null }
        : { type: 'user', id: result.session.userId, name: result.person.username, role: result.person.role }
    const sessionId = result.outcome === 'unknown' ? {} : { sessionId: result.session.id }
    await audit(tx, request, {
      action: 'auth.refresh',
      outcome: result.outcome === 'exchanged' ? 'success' : result.outcome === 'reused' ? 'denied' : 'failure',
      actor,
      details: {
        ...sessionId,
        ...(result.outcome === 'exchanged'
          ? {}
          : { reason: result.outcome === 'ended' ? result.reason : result.outcome }),
      },
    })
    return result
  })
  if (exchange.outcome !== 'exchanged') {
    if (exchange.outcome === 'reused') accounts.principals.invalidate('user', exchange.session.userId)
    throw oauthProblem(400, 'invalid_grant', refused)
  }
  const { session, refreshToken } = exchange
  const { token, expiresIn } = await accounts.tokens.issue(
    { kind: 'user', id: session.userId },
    now,
    undefined,
    session.id,
  )
  return { access_token: token, token_type: 'Bearer' as const, expires_in: expiresIn, refresh_token: refreshToken }
}

async function passwordGrant(request: FastifyRequest, body: TokenRequest) {
  if (!body.username || !body.password) {
    throw oauthProblem(400, 'invalid_request', 'The password grant needs username and password.')
  }
  const { database, accounts } = request.server
  const username = body.username.toLowerCase()
  const anonymousActor: Actor = { type: 'anonymous', id: null, name: username, role: null }
  const keys = await admit(request, `user:${username}`, anonymousActor, 'password')
  const user = await findUserByUsername(database.db, username)
  const valid = user?.passwordHash
    ? await verifySecret(user.passwordHash, body.password)
    : await accounts.decoy.verify(body.password)
  const actor: Actor = user ? { type: 'user', id: user.id, name: user.username, role: user.role } : anonymousActor
  if (!user || !valid || !user.active) {
    await fail(request, actor, 'password', !user ? 'unknown_user' : !valid ? 'wrong_password' : 'inactive')
    throw oauthProblem(400, 'invalid_grant', 'The username or password is wrong, or the account is inactive.')
  }
  return succeed(request, keys, { ...actor, id: user.id }, 'password', 'user')
}

async function clientCredentialsGrant(request: FastifyRequest, body: TokenRequest) {
  const credentials =
    basicCredentials(request) ??
    (body.client_id && body.client_secret ? { id: body.client_id, secret: body.client_secret } : undefined)
  if (!credentials) {
    throw oauthProblem(
      400,
      'invalid_request',
      'The client_credentials grant needs client_id and client_secret (or HTTP Basic).',
    )
  }
  // Client ids are UUIDs, written in lower case; any other spelling is the same client, counted as one.
  // Anything else can be no client: refused before anything is counted or stored.
  const clientId = credentials.id.toLowerCase()
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(clientId)) {
    await fail(
      request,
      { type: 'anonymous', id: null, name: null, role: null },
      'client_credentials',
      'malformed_client_id',
    )
    throw invalidClient('The client is unknown, revoked, or its secret is wrong.')
  }
  const { database, accounts } = request.server
  const anonymousActor: Actor = { type: 'anonymous', id: null, name: clientId, role: null }
  const keys = await admit(request, `client:${clientId}`, anonymousActor, 'client_credentials')
  const client = await getClient(database.db, clientId)
  const valid = client
    ? await verifySecret(client.secretHash, credentials.secret)
    : await accounts.decoy.verify(credentials.secret)
  const actor: Actor = client ? { type: 'client', id: client.id, name: client.name, role: client.role } : anonymousActor
  if (!client || !valid || !client.active) {
    await fail(request, actor, 'client_credentials', !client ? 'unknown_client' : !valid ? 'wrong_secret' : 'revoked')
    throw invalidClient('The client is unknown, revoked, or its secret is wrong.')
  }
  return succeed(request, keys, { ...actor, id: client.id }, 'client_credentials', 'client')
}

/** Issues an access token for the grant the body names (TokenResponseSchema), or answers why not. */
export async function issueToken(request: FastifyRequest, body: TokenRequest) {
  switch (body.grant_type) {
    case 'password':
      return passwordGrant(request, body)
    case 'client_credentials':
      return clientCredentialsGrant(request, body)
    case 'refresh_token':
      return refreshGrant(request, body)
  }
}
