import type { FastifyInstance, FastifyReply, FastifyRequest, preValidationHookHandler } from 'fastify'
import { HttpProblem } from './problem.js'

/** Strong entity tag for a resource version; the same value is what If-Match must carry. */
function etagOf(version: number): string {
  return `"${version}"`
}

export function sendWithEtag<T>(reply: FastifyReply, version: number, body: T): T {
  reply.header('etag', etagOf(version))
  return body
}

const preconditionRequired = () =>
  new HttpProblem(428, 'precondition_required', 'Send If-Match with the ETag of the version you are changing.')

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * 'to-replace' for a create-or-replace PUT: creating takes no If-Match, replacing requires it (428 then).
     * Any other route that declares 428 requires If-Match on every request.
     */
    ifMatch?: 'to-replace'
  }
}

/**
 * What a route asks of If-Match: 'required' on every request (it declares 428, not only for replacing),
 * 'to-replace' (config), or 'none'.
 */
export function ifMatchRule(
  responses: Record<string, unknown> | undefined,
  config: { ifMatch?: 'to-replace' } | undefined,
): 'required' | 'to-replace' | 'none' {
  if (config?.ifMatch === 'to-replace') return 'to-replace'
  return responses !== undefined && '428' in responses ? 'required' : 'none'
}

/**
 * For every route that requires If-Match (ifMatchRule), a request without it is answered 428 before its
 * parameters and body are validated (after authentication): what the contract declares (openapi-headers.ts
 * asks the same function) is what every such request meets. Add before the routes.
 */
export function requireDeclaredPreconditions(app: FastifyInstance): void {
  const missingIfMatch: preValidationHookHandler = (request, _reply, done) => {
    const header = request.headers['if-match']
    done(header === undefined || header === '' ? preconditionRequired() : undefined)
  }
  app.addHook('onRoute', (route) => {
    if (ifMatchRule(route.schema?.response as Record<string, unknown> | undefined, route.config) !== 'required') return
    const existing = route.preValidation ? [route.preValidation].flat() : []
    route.preValidation = [missingIfMatch, ...existing]
  })
}

/**
 * The version a PATCH/PUT/DELETE claims to change: 428 when If-Match is missing, 400 when it is not an
 * entity tag this service issued.
 */
export function requiredVersion(request: FastifyRequest): number {
  const header = request.headers['if-match']
  if (header === undefined || header === '') throw preconditionRequired()
  const match = /^(?:W\/)?"(\d{1,9})"$/.exec(String(header).trim())
  if (!match) {
    throw new HttpProblem(400, 'invalid_if_match', 'If-Match must be the ETag from a previous response, e.g. "3".', {
      errors: [{ location: 'headers', pointer: '/if-match', message: 'is not an entity tag issued by this service' }],
    })
  }
  return Number(match[1])
}

/** If-Match is optional on workflow steps; when sent, the step applies only to that version. */
export function optionalVersion(request: FastifyRequest): number | undefined {
  return request.headers['if-match'] === undefined ? undefined : requiredVersion(request)
}

export function staleVersion(currentVersion: number): HttpProblem {
  return new HttpProblem(
    412,
    'version_mismatch',
    'The resource changed since you read it; read it again and reapply your change.',
    {
      extensions: { currentVersion },
      headers: { etag: etagOf(currentVersion) },
    },
  )
}
