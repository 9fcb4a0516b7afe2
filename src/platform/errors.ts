import { STATUS_CODES } from 'node:http'
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { auditMissingOnWrite } from './audit.js'
import { HttpProblem, problemTypeBase, type FieldError } from './problem.js'
import type { Problem } from './schemas.js'

interface AjvLikeError {
  instancePath?: string
  keyword?: string
  message?: string
  params?: Record<string, unknown>
}

/**
 * Ajv reports a failed `anyOf` (e.g. "a string matching the pattern, or null") as one error per branch
 * plus the anyOf itself; the client needs only the branch that says what is wrong with its value.
 */
function withoutUnionNoise(errors: AjvLikeError[]): AjvLikeError[] {
  const unionPaths = new Set(errors.filter((e) => e.keyword === 'anyOf').map((e) => e.instancePath ?? ''))
  return errors.filter((error) => {
    const path = error.instancePath ?? ''
    if (!unionPaths.has(path) || (error.keyword !== 'anyOf' && error.keyword !== 'type')) return true
    const specific = errors.some(
      (e) => (e.instancePath ?? '') === path && e.keyword !== 'anyOf' && e.keyword !== 'type',
    )
    if (specific) return false
    // Only type mismatches: keep the anyOf error, which names the value as a whole.
    return error.keyword === 'anyOf'
  })
}

/** Ajv errors → field errors with JSON pointers that name the offending member itself. */
export function fieldErrorsFromValidation(errors: AjvLikeError[], location: FieldError['location']): FieldError[] {
  const result: FieldError[] = []
  const seen = new Set<string>()
  for (const error of withoutUnionNoise(errors)) {
    let pointer = error.instancePath ?? ''
    let message = error.message ?? 'is invalid'
    const params = error.params ?? {}
    if (error.keyword === 'required' && typeof params.missingProperty === 'string') {
      pointer += `/${escapePointer(params.missingProperty)}`
      message = 'is required'
    } else if (error.keyword === 'additionalProperties' && typeof params.additionalProperty === 'string') {
      pointer += `/${escapePointer(params.additionalProperty)}`
      message = 'is not a known property'
    } else if (error.keyword === 'enum' && Array.isArray(params.allowedValues)) {
      message = `must be one of: ${params.allowedValues.join(', ')}`
    } else if (error.keyword === 'anyOf') {
      message = 'is not of an accepted type'
    }
    const key = `${pointer}\u0000${message}`
    if (seen.has(key)) continue
    seen.add(key)
    result.push({ location, pointer: pointer === '' ? '/' : pointer, message, code: error.keyword })
  }
  return result
}

function escapePointer(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1')
}

const connectionErrorCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH'])
const connectionMessages = [
  'timeout exceeded when trying to connect',
  'Connection terminated',
  'Cannot use a pool after calling end',
  'PGlite is closed',
  'database did not answer',
  'Client has encountered a connection error',
]

/** Walks `cause` chains (drizzle wraps driver errors) to find the PostgreSQL or socket error. */
function rootCauses(error: unknown): { code?: string; message?: string }[] {
  const chain: { code?: string; message?: string }[] = []
  let current: unknown = error
  for (let depth = 0; current && typeof current === 'object' && depth < 5; depth++) {
    chain.push(current)
    current = (current as { cause?: unknown }).cause
  }
  return chain
}

/** Maps a thrown error to the problem the client sees. Never exposes SQL, stack or data. */
export function problemFromError(error: unknown): HttpProblem {
  if (error instanceof HttpProblem) return error
  const fastifyError = error as FastifyError & { validation?: AjvLikeError[]; validationContext?: string }
  if (Array.isArray(fastifyError.validation)) {
    const location = fastifyError.validationContext ?? 'body'
    const errors = fieldErrorsFromValidation(fastifyError.validation, location)
    return new HttpProblem(
      400,
      'validation_failed',
      `The request ${location} is not valid: ${errors.length} problem(s).`,
      {
        title: 'Request validation failed',
        errors,
      },
    )
  }
  switch (fastifyError.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new HttpProblem(413, 'payload_too_large', 'The request body is larger than this endpoint accepts.')
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new HttpProblem(415, 'unsupported_media_type', 'This endpoint does not accept that Content-Type.')
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new HttpProblem(400, 'malformed_body', 'The request body is not valid JSON.')
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new HttpProblem(400, 'malformed_body', 'The Content-Length header does not match the body.')
    case 'FST_ERR_BAD_URL':
      return new HttpProblem(400, 'malformed_url', 'The request URL is not valid.')
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return new HttpProblem(
        414,
        'uri_too_long',
        'A path segment of the request URL is longer than any this service issues.',
      )
  }
  for (const cause of rootCauses(error)) {
    const code = cause.code
    const message = cause.message ?? ''
    if (
      (code &&
        (connectionErrorCodes.has(code) ||
          code.startsWith('08') ||
          ['57P01', '57P02', '57P03', '53300'].includes(code))) ||
      connectionMessages.some((m) => message.includes(m))
    ) {
      return new HttpProblem(503, 'database_unavailable', 'The database is not reachable right now; retry shortly.', {
        headers: { 'retry-after': '5' },
      })
    }
    if (code === '57014') {
      return new HttpProblem(503, 'database_timeout', 'The database took too long to answer; retry shortly.', {
        headers: { 'retry-after': '5' },
      })
    }
    if (code === '40001' || code === '40P01') {
      return new HttpProblem(
        409,
        'concurrent_update',
        'Another request changed the same data at the same time; retry.',
        {
          headers: { 'retry-after': '1' },
        },
      )
    }
    if (code === '23505')
      return new HttpProblem(409, 'already_exists', 'A record with the same unique value already exists.')
    if (code === '23503')
      return new HttpProblem(422, 'reference_not_found', 'The request refers to a record that does not exist.')
    if (code === '22P02' || code === '22007' || code === '22008' || code === '22003' || code === '22001') {
      return new HttpProblem(400, 'invalid_value', 'A value in the request is outside what the service accepts.')
    }
  }
  const status = typeof fastifyError.statusCode === 'number' ? fastifyError.statusCode : 500
  if (status === 429) {
    return new HttpProblem(429, 'rate_limited', 'Too many requests; slow down and retry after the indicated time.')
  }
  if (status === 503)
    return new HttpProblem(503, 'service_unavailable', 'The service is overloaded or shutting down; retry shortly.')
  if (status >= 400 && status < 500) {
    const code = (STATUS_CODES[status] ?? 'client_error').toLowerCase().replace(/[^a-z]+/g, '_')
    return new HttpProblem(status, code, fastifyError.message || STATUS_CODES[status] || 'Client error')
  }
  return new HttpProblem(
    500,
    'internal_error',
    'An unexpected error occurred. It has been logged with this request id.',
  )
}

/** A problem lists at most this many field errors, and says when there were more: its size stays bounded. */
const maxListedErrors = 20

export function problemBody(problem: HttpProblem, request: FastifyRequest): Problem {
  const body: Problem = {
    type: `${problemTypeBase}${problem.code}`,
    title: problem.title,
    status: problem.status,
    detail: problem.detail,
    instance: request.url.split('?')[0] ?? '/',
    code: problem.code,
    requestId: request.id,
    ...problem.extensions,
  }
  if (problem.errors) {
    body.errors = problem.errors.slice(0, maxListedErrors)
    if (problem.errors.length > maxListedErrors) {
      body.errorsTruncated = true
      body.errorCount = problem.errors.length
    }
  }
  return body
}

export function sendProblem(reply: FastifyReply, problem: HttpProblem): FastifyReply {
  for (const [name, value] of Object.entries(problem.headers)) reply.header(name, value)
  return reply
    .code(problem.status)
    .type('application/problem+json; charset=utf-8')
    .send(problemBody(problem, reply.request))
}

async function errorsPlugin(app: FastifyInstance) {
  app.decorateRequest('auditWritten', false)
  app.setErrorHandler(async (error, request, reply) => {
    const problem = problemFromError(error)
    if (problem.status >= 500) {
      request.log.error({ err: error, code: problem.code }, 'request failed')
    } else {
      request.log.info({ code: problem.code, status: problem.status }, 'request rejected')
    }
    if (problem.missing) {
      await auditMissingOnWrite(app.database.db, request, problem.missing).catch((auditError: unknown) =>
        request.log.error({ err: auditError }, 'auditing a refused write failed'),
      )
    }
    return sendProblem(reply, problem)
  })
  app.setNotFoundHandler((request, reply) =>
    sendProblem(
      reply,
      new HttpProblem(404, 'route_not_found', `No operation answers ${request.method} ${request.url.split('?')[0]}.`),
    ),
  )
}

export default fp(errorsPlugin, { name: 'platform-errors', fastify: '5.x' })
