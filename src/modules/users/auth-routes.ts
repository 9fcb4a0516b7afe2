import formbody from '@fastify/formbody'
import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { problemResponses, ref } from '../../platform/schemas.js'
import {
  AuthorizationServerMetadataSchema,
  JwksSchema,
  RevokeTokenBody,
  TokenRequestBody,
  TokenResponseSchema,
} from './schemas.js'
import { authorizationServerMetadata } from './rules.js'
import { logOut, revokeToken } from './session-service.js'
import { issueToken } from './sign-in.js'

const tokenBodyLimitBytes = 8192

export default async function authRoutes(app: FastifyInstance) {
  await app.register(formbody, { bodyLimit: tokenBodyLimitBytes })
  const route = app.withTypeProvider<TypeBoxTypeProvider>()
  const { accounts } = app

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
        summary: 'Issue an access token (OAuth 2.0 password, client_credentials or refresh_token grant)',
        description:
          'Form-encoded or JSON. People use `grant_type=password`; machine clients use `client_credentials` with ' +
          'client_id/client_secret in the body or HTTP Basic. A person’s sign-in opens a session and also returns a ' +
          '`refresh_token`: exchange it (`grant_type=refresh_token`) for a new access token and a new refresh token, ' +
          'once; a refresh token presented again ends its session (a copy is in other hands). A session ends after ' +
          'REFRESH_TOKEN_TTL_SECONDS unused or SESSION_MAX_SECONDS after the sign-in, at logout, at revocation, or when ' +
          'its person changes their password elsewhere. Tokens are ES256 JWTs, short-lived; the role, units and ' +
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
      return issueToken(request, request.body)
    },
  )

  route.post(
    '/v1/auth/revoke',
    {
      bodyLimit: tokenBodyLimitBytes,
      config: { permission: 'public', rateLimit: { max: app.config.auth.loginRateLimitMax, timeWindow: 60_000 } },
      schema: {
        operationId: 'revokeToken',
        tags: ['auth'],
        summary: 'Revoke a token (RFC 7009): its sign-in session ends',
        description:
          'Form-encoded or JSON. A refresh token, or an access token issued in a sign-in session, ends that session: ' +
          'its refresh token can no longer be exchanged and its access tokens are refused at once. The answer is 200 ' +
          'whatever the token named (nothing, an expired token, a machine client’s token), as RFC 7009 asks. Audited.',
        body: RevokeTokenBody,
        response: {
          200: { description: 'Revoked, or nothing to revoke', type: 'null' },
          ...problemResponses(400, 413, 415, 429),
        },
      },
    },
    async (request, reply) => {
      await revokeToken(request, request.body)
      return reply.header('cache-control', 'no-store').code(200).send(null)
    },
  )

  route.post(
    '/v1/auth/logout',
    {
      config: { permission: 'authenticated' },
      schema: {
        operationId: 'logOut',
        tags: ['auth'],
        summary: 'End the sign-in session this token was issued in',
        description:
          'Its refresh token can no longer be exchanged and its access tokens, this one included, are refused from now ' +
          'on. A machine client’s token names no session: nothing changes. Audited as auth.logout.',
        response: { 204: { description: 'Logged out', type: 'null' }, ...problemResponses(401) },
      },
    },
    async (request, reply) => {
      await logOut(request)
      return reply.code(204).send(null)
    },
  )

  route.get(
    '/.well-known/oauth-authorization-server',
    {
      config: { permission: 'public' },
      schema: {
        operationId: 'getAuthorizationServerMetadata',
        tags: ['auth'],
        summary: 'Where clients find the token, revocation and key endpoints (RFC 8414)',
        description:
          '`issuer` is JWT_ISSUER, the iss of every token. When it is the service’s public https URL (recommended: ' +
          'clients may check that the two agree), the endpoints are under it; otherwise they are absolute URLs of the ' +
          'address the request was made to (behind a proxy: TRUST_PROXY), never cached.',
        response: { 200: ref(AuthorizationServerMetadataSchema, 'The metadata') },
      },
    },
    async (request, reply) => {
      const { metadata, cacheable } = authorizationServerMetadata(
        app.config.auth.issuer,
        `${request.protocol}://${request.host}`,
      )
      // Built from the address asked, the answer must not be kept for another host by a shared cache.
      if (cacheable) reply.header('cache-control', 'public, max-age=300')
      else reply.header('cache-control', 'no-store').header('vary', 'host, x-forwarded-host, x-forwarded-proto')
      return metadata
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
