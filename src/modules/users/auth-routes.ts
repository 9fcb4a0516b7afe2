import formbody from '@fastify/formbody'
import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { problemResponses, ref } from '../../platform/schemas.js'
import { JwksSchema, TokenRequestBody, TokenResponseSchema } from './schemas.js'
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
      return issueToken(request, request.body)
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
