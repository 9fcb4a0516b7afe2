/**
 * The HTTP headers of the contract, derived from what each route declares, so that the OpenAPI document
 * says what a client must send and may read: If-Match where the route requires it (ifMatchRule, which
 * the server enforces too) or takes it, Idempotency-Key where the route replays a retry (config.idempotent,
 * whose answers may say they are replays), and on every response the request id, the rate limit (IETF
 * RateLimit names) and, where the service names one, Retry-After; ETag on every answer that is a versioned
 * resource (or where config.etag says so), Location where the route says it answers with one
 * (config.location). Outside production the
 * server holds every answer to these declarations (checkDeclaredResponseHeaders).
 */

const stringHeader = (description: string) => ({ type: 'string', description })
const integerHeader = (description: string) => ({ type: 'integer', description })

const rateLimitHeaders = {
  'ratelimit-limit': integerHeader('requests allowed in the window'),
  'ratelimit-remaining': integerHeader('requests left in the window'),
  'ratelimit-reset': integerHeader('seconds until the window starts again'),
}

/** The header parameters a route's request takes (a JSON schema object, as Fastify route schemas write them). */
export function requestHeaders(
  responses: Record<string, unknown>,
  options: { ifMatch: 'required' | 'to-replace' | 'none'; idempotent: boolean },
  declared: Record<string, unknown> | undefined,
): Record<string, unknown> | undefined {
  const properties: Record<string, unknown> = {}
  const required: string[] = []
  if (options.ifMatch === 'required') {
    properties['if-match'] = stringHeader(
      'the ETag of the version you change, as the last read gave it ("3"): 428 without it, 412 when the resource has moved on',
    )
    required.push('if-match')
  } else if (options.ifMatch === 'to-replace') {
    properties['if-match'] = stringHeader(
      'none to create; to replace, the ETag of the version you replace (428 without it, 412 when it has moved on)',
    )
  } else if ('412' in responses) {
    properties['if-match'] = stringHeader(
      'when sent, the ETag of the version this applies to (412 when the resource has moved on)',
    )
  }
  if (options.idempotent)
    properties['idempotency-key'] = {
      ...stringHeader(
        'a key of your own (e.g. a UUID), the same on every retry of one request: a retry answers as the first did ' +
          '(idempotent-replayed: true) and creates nothing twice; 409 while the first is still running, 422 for the ' +
          'same key with another request',
      ),
      maxLength: 255,
    }
  if (Object.keys(properties).length === 0) return declared
  const existing = (declared ?? {}) as { properties?: Record<string, unknown>; required?: string[] }
  return {
    type: 'object',
    ...existing,
    properties: { ...existing.properties, ...properties },
    required: [...(existing.required ?? []), ...required],
  }
}

/** Looks a shared schema up by its $id. */
export type SchemaById = (id: string) => unknown

const isSuccess = (status: string) => /^2\d\d$/.test(status)

/**
 * Whether this answer of a route carries an ETag: a success whose body is a versioned resource (a `version`
 * member), which the service always sends with sendWithEtag, or of a route that says it sends one for a
 * body that holds no version (config.etag: a unit, a secret shown once beside its record).
 */
export function declaresEtag(
  status: string,
  response: unknown,
  schemaById: SchemaById,
  config: { etag?: boolean } | undefined,
): boolean {
  if (!isSuccess(status)) return false
  if (config?.etag === true) return true
  if (typeof response !== 'object' || response === null) return false
  const reference = (response as { $ref?: unknown }).$ref
  const schema = typeof reference === 'string' ? schemaById(reference.replace(/#$/, '')) : response
  const properties = (schema as { properties?: Record<string, unknown> } | undefined)?.properties
  return properties !== undefined && 'version' in properties
}

/** Whether this answer of a route carries a Location: every success of a route that says it answers with one. */
export function declaresLocation(status: string, config: { location?: boolean } | undefined): boolean {
  return isSuccess(status) && config?.location === true
}

/** Each response with the headers every answer of this route carries. */
export function responseHeaders(
  responses: Record<string, unknown>,
  options: { rateLimited: boolean; idempotent: boolean; location: boolean; etag: boolean },
  schemaById: SchemaById,
): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(responses).map(([status, response]) => {
      const headers: Record<string, unknown> = {
        ...(declaresEtag(status, response, schemaById, { etag: options.etag })
          ? { etag: stringHeader('the version of the resource ("3"): send it back as If-Match to change it') }
          : {}),
        ...(declaresLocation(status, { location: options.location })
          ? { location: stringHeader('the address of the resource this answer created or names') }
          : {}),
        'x-request-id': stringHeader(
          'the id of this request, sent back (or made here): quote it when reporting a problem',
        ),
        ...(options.rateLimited ? rateLimitHeaders : {}),
        // The probes' 503 (not ready) names no time to wait; the load shedder's and the limiter's answers do.
        ...(status === '429' || (status === '503' && options.rateLimited)
          ? { 'retry-after': integerHeader('seconds to wait before trying again') }
          : {}),
        ...(options.idempotent
          ? {
              'idempotent-replayed': stringHeader(
                '"true" when this answers a retry of an Idempotency-Key already used',
              ),
            }
          : {}),
      }
      const given = response as { headers?: Record<string, unknown> }
      return [status, { ...given, headers: { ...headers, ...given.headers } }]
    }),
  )
}
