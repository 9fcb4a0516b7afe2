/**
 * Holds every answer to what the contract declares for it: the response headers (openapi-headers.ts), where
 * an ETag or a Location the route does not declare, or a declared one not sent, turns the answer into a 500
 * that names the route; and the problem codes (problem-codes.ts), where a problem whose code the operation
 * does not declare for its status does the same. Registered outside production, so that the whole test
 * suite, every request of it, checks the contract against what the server really sends; in production it
 * would only cost time.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, onSendHookHandler } from 'fastify'
import { problemBody } from './errors.js'
import { HttpProblem } from './problem.js'
import { declaresEtag, declaresLocation } from './openapi-headers.js'
import {
  commonCodes,
  commonGroupsOf,
  operationCodes,
  readProblemCodeDeclaration,
  type CommonGroup,
  type ProblemCodeDeclaration,
} from './problem-codes.js'
import { problemCodeRecorder } from './problem-codes-recording.js'

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

interface ProblemCodeCheckOptions {
  declaration?: ProblemCodeDeclaration
  /**
   * A directory to record the operations' own codes in instead of checking them (`npm run contract:problems` sets
   * PROBLEM_CODES_RECORD): a switch of the test tooling, not of the service, so not part of Config.
   */
  recordTo?: string | undefined
}

/** The `code` of a problem+json answer, when the answer is one. */
function problemCodeOf(reply: FastifyReply, payload: unknown): string | undefined {
  if (!String(reply.getHeader('content-type') ?? '').startsWith('application/problem+json')) return undefined
  const text = typeof payload === 'string' ? payload : Buffer.isBuffer(payload) ? payload.toString('utf8') : undefined
  if (text === undefined) return undefined
  try {
    const code = (JSON.parse(text) as { code?: unknown }).code
    return typeof code === 'string' ? code : undefined
  } catch {
    return undefined
  }
}

/**
 * The answer made a 500 contract_mismatch where it stands: it is already a problem, and Fastify does not hand
 * an error raised while sending one back to the error handler.
 */
function contractMismatch(request: FastifyRequest, reply: FastifyReply, detail: string): string {
  request.log.error({ code: 'contract_mismatch' }, detail)
  reply.code(500).type('application/problem+json; charset=utf-8').removeHeader('retry-after')
  return JSON.stringify(problemBody(new HttpProblem(500, 'contract_mismatch', detail), request))
}

export function checkDeclaredProblemCodes(app: FastifyInstance, options: ProblemCodeCheckOptions = {}): void {
  const declaration = options.declaration ?? readProblemCodeDeclaration()
  const recordTo = 'recordTo' in options ? options.recordTo : process.env.PROBLEM_CODES_RECORD
  const record = recordTo ? problemCodeRecorder(recordTo) : undefined
  const check: onSendHookHandler = (request, reply, payload, done) => {
    const code = reply.statusCode >= 400 ? problemCodeOf(reply, payload) : undefined
    // The check's own answer is not the operation's.
    if (code === undefined || code === 'contract_mismatch') return done(null, payload)
    const operationId = request.is404 ? null : request.routeOptions.schema?.operationId
    // Routes outside the contract (the contract itself, the documentation pages) declare nothing.
    if (operationId === undefined) return done(null, payload)
    const status = String(reply.statusCode)
    const { config } = request.routeOptions
    const groups: CommonGroup[] =
      operationId === null
        ? ['everyOperation', 'noOperation']
        : commonGroupsOf({
            permission: config.permission,
            responses: request.routeOptions.schema?.response as Record<string, unknown> | undefined,
            config,
            querystring: request.routeOptions.schema?.querystring,
          })
    if (commonCodes(declaration, groups)[status]?.includes(code)) return done(null, payload)
    // Recording notes every code of the operation's own, declared or not, so that a run can rebuild the lists.
    if (record) {
      record({ operationId, status, code })
      return done(null, payload)
    }
    if (operationId !== null && operationCodes(declaration, operationId)[status]?.includes(code))
      return done(null, payload)
    const answered = `${request.method} ${request.routeOptions.url ?? request.url.split('?')[0]}`
    const operation = operationId === null ? 'a request that reached no operation' : `${answered} (${operationId})`
    const detail =
      `${operation} answered ${status} with problem code ${code}, which openapi/problem-codes.json does not ` +
      `declare for it: record it with \`npm run contract:problems -- <the test file>\` and regenerate the ` +
      'contract (`npm run openapi`), or make it a common code there if any operation can answer it.'
    done(null, contractMismatch(request, reply, detail))
  }
  app.addHook('onSend', check)
}
