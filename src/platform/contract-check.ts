/**
 * Holds every answer to the response headers the contract declares for it (openapi-headers.ts): an ETag or
 * a Location the route does not declare, or a declared one not sent, turns the answer into a 500 that
 * names the route. Registered outside production, so that the whole test suite, every request of it,
 * checks the contract against what the server really sends; in production it would only cost time.
 */
import type { FastifyInstance, onSendHookHandler } from 'fastify'
import { HttpProblem } from './problem.js'
import { declaresEtag, declaresLocation } from './openapi-headers.js'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route's successful answers carry a Location header (declared in the contract, held to it). */
    location?: boolean
    /** The route's successful answers carry an ETag though their body has no `version` member. */
    etag?: boolean
  }
}

export function checkDeclaredResponseHeaders(app: FastifyInstance): void {
  const check: onSendHookHandler = (request, reply, payload, done) => {
    const status = String(reply.statusCode)
    const responses = request.routeOptions.schema?.response as Record<string, unknown> | undefined
    if (!/^2\d\d$/.test(status) || !responses) return done(null, payload)
    const route = `${request.method} ${request.routeOptions.url ?? ''} ${status}`
    const mismatches: string[] = []
    const etagDeclared = declaresEtag(status, responses[status], (id) => app.getSchema(id), request.routeOptions.config)
    if (etagDeclared !== reply.hasHeader('etag'))
      mismatches.push(etagDeclared ? 'declares an ETag it did not send' : 'sent an ETag it does not declare')
    const locationDeclared = declaresLocation(status, request.routeOptions.config)
    if (locationDeclared !== reply.hasHeader('location'))
      mismatches.push(locationDeclared ? 'declares a Location it did not send' : 'sent a Location it does not declare')
    if (mismatches.length === 0) return done(null, payload)
    done(new HttpProblem(500, 'contract_mismatch', `${route} ${mismatches.join(' and ')}.`))
  }
  app.addHook('onSend', check)
}
