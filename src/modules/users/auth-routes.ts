import formbody from '@fastify/formbody'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { Static } from 'typebox'
import { audit } from '../../platform/audit.js'
import { HttpProblem } from '../../platform/problem.js'
import { textFault } from '../../platform/text.js'
import { problemResponses, ref } from '../../platform/schemas.js'
import { verifySecret } from './passwords.js'
import { countLoginAttempt, findUserByUsername, getClient, lastSignInFrom, recordSignIn } from './repository.js'
import { knownAddressMs, remainingThrottleMs, throttleAddress } from './rules.js'
import { JwksSchema, TokenRequestBody, TokenResponseSchema } from './schemas.js'

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

const tokenBodyLimitBytes = 8192

export default async function authRoutes(app: FastifyInstance) {
  await app.register(formbody, { bodyLimit: tokenBodyLimitBytes })
  const route = app.withTypeProvider<TypeBoxTypeProvider>()
  const { accounts } = app

  /**
   * Counts the attempt for the account and for the account from this address before anything is
   * checked, in one locking transaction, and refuses it while either must still wait. An address the
   * account signed in from lately is not held to the account-wide wait.
   */
  async function admit(
    request: FastifyRequest,
    account: string,
    actor: Actor,
    grantType: string,
  ): Promise<{ account: string; address: string }> {
    const address = `${account}@${throttleAddress(request.ip)}`
    const now = app.clock.now()
    const lastSignIn = await lastSignInFrom(app.database.db, address)
    const known = lastSignIn !== null && now.getTime() - lastSignIn.getTime() < knownAddressMs
    const admission = await app.database.db.transaction((tx) =>
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
      await audit(app.database.db, request, {
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
    await audit(app.database.db, request, {
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
    await app.database.db.transaction(async (tx) => {
      await recordSignIn(tx, keys, app.clock.now())
      await audit(tx, request, { action: 'auth.token', outcome: 'success', actor, details: { grantType } })
    })
    const { token, expiresIn } = await accounts.tokens.issue({ kind, id: actor.id }, app.clock.now())
    return { access_token: token, token_type: 'Bearer' as const, expires_in: expiresIn }
  }

  async function passwordGrant(request: FastifyRequest, body: TokenRequest) {
    if (!body.username || !body.password) {
      throw oauthProblem(400, 'invalid_request', 'The password grant needs username and password.')
    }
    const username = body.username.toLowerCase()
    const anonymousActor: Actor = { type: 'anonymous', id: null, name: username, role: null }
    const keys = await admit(request, `user:${username}`, anonymousActor, 'password')
    const user = await findUserByUsername(app.database.db, username)
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
    const anonymousActor: Actor = { type: 'anonymous', id: null, name: clientId, role: null }
    const keys = await admit(request, `client:${clientId}`, anonymousActor, 'client_credentials')
    const client = await getClient(app.database.db, clientId)
    const valid = client
      ? await verifySecret(client.secretHash, credentials.secret)
      : await accounts.decoy.verify(credentials.secret)
    const actor: Actor = client
      ? { type: 'client', id: client.id, name: client.name, role: client.role }
      : anonymousActor
    if (!client || !valid || !client.active) {
      await fail(request, actor, 'client_credentials', !client ? 'unknown_client' : !valid ? 'wrong_secret' : 'revoked')
      throw invalidClient('The client is unknown, revoked, or its secret is wrong.')
    }
    return succeed(request, keys, { ...actor, id: client.id }, 'client_credentials', 'client')
  }

  route.post(
    '/v1/auth/token',
    {
      // A token request is a few short fields; anything larger is refused before it is parsed.
      bodyLimit: tokenBodyLimitBytes,
      config: {
        permission: 'public',
        rateLimit: { max: app.config.auth.loginRateLimitMax, timeWindow: 60_000 },
      },
      schema: {
        operationId: 'issueToken',
        tags: ['auth'],
        summary: 'Issue an access token (OAuth 2.0 password or client_credentials grant)',
        description:
          'Form-encoded or JSON. People use `grant_type=password`; machine clients use `client_credentials` with ' +
          'client_id/client_secret in the body or HTTP Basic. Tokens are ES256 JWTs, short-lived; the role, units and ' +
          'active flag are re-read on every request, not taken from the token. Attempts are counted before the ' +
          'secret is checked: after five for one account from one client address (an IPv6 /64), each further attempt ' +
          'from there waits 1 s, 2 s, 4 s … up to 15 minutes; after twenty for one account from anywhere, one attempt ' +
          'a second, the wait doubling every ten attempts up to 15 minutes, except from an address the account signed ' +
          'in from in the last 30 days (429 login_throttled, Retry-After). A success clears both counts.',
        body: TokenRequestBody,
        response: { 200: ref(TokenResponseSchema, 'The access token'), ...problemResponses(400, 401, 413, 415, 429) },
      },
    },
    async (request, reply) => {
      reply.header('cache-control', 'no-store')
      return request.body.grant_type === 'password'
        ? passwordGrant(request, request.body)
        : clientCredentialsGrant(request, request.body)
    },
  )

  route.get(
    '/.well-known/jwks.json',
    {
      config: { permission: 'public' },
      schema: {
        operationId: 'getJwks',
        tags: ['auth'],
        summary: 'Public keys that verify this service’s tokens (JWKS)',
        response: { 200: ref(JwksSchema, 'The key set, including retired keys whose tokens may still be valid') },
      },
    },
    async (_request, reply) => {
      reply.header('cache-control', 'public, max-age=300')
      return accounts.keys.jwks(app.clock.now())
    },
  )
}
