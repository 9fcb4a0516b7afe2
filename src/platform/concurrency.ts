import type { FastifyReply, FastifyRequest } from 'fastify'
import { HttpProblem } from './problem.js'

/** Strong entity tag for a resource version; the same value is what If-Match must carry. */
function etagOf(version: number): string {
  return `"${version}"`
}

export function sendWithEtag<T>(reply: FastifyReply, version: number, body: T): T {
  reply.header('etag', etagOf(version))
  return body
}

/**
 * The version a PATCH/PUT/DELETE claims to change: 428 when If-Match is missing, 400 when it is not an
 * entity tag this service issued.
 */
export function requiredVersion(request: FastifyRequest): number {
  const header = request.headers['if-match']
  if (header === undefined || header === '') {
    throw new HttpProblem(428, 'precondition_required', 'Send If-Match with the ETag of the version you are changing.')
  }
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
