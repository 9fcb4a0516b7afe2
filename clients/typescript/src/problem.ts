import type { components } from './schema.js'

export type Problem = components['schemas']['Problem']
export type FieldError = components['schemas']['FieldError']

function isProblem(body: unknown): body is Problem {
  return (
    typeof body === 'object' &&
    body !== null &&
    typeof (body as Problem).code === 'string' &&
    typeof (body as Problem).status === 'number'
  )
}

/**
 * A failed request, as the service's RFC 9457 problem+json describes it: switch on `code` (stable, listed in
 * docs/errors.md), show `detail`, and point at fields with `errors`. Members some codes add (`currentVersion`
 * on a 412, `requiredPermission` on a 403) are in `problem`; a 412's ETag is in `headers`.
 */
export class ProblemError extends Error {
  readonly status: number
  readonly code: string
  readonly title: string
  readonly detail: string
  readonly errors: FieldError[]
  /** Quote it when reporting a problem: the service logs it with the request (empty when it never got there). */
  readonly requestId: string
  readonly problem: Problem
  readonly headers: Headers

  constructor(problem: Problem, headers: Headers) {
    super(`${problem.status} ${problem.code}: ${problem.detail}`)
    this.name = 'ProblemError'
    this.status = problem.status
    this.code = problem.code
    this.title = problem.title
    this.detail = problem.detail
    this.errors = problem.errors ?? []
    this.requestId = problem.requestId
    this.problem = problem
    this.headers = headers
  }

  /**
   * From a failed response and its body as openapi-fetch parsed it. An answer that is not a problem (a proxy's
   * HTML page, an empty 502) still becomes a ProblemError, with the code `http_<status>`.
   */
  static from(response: Response, body: unknown): ProblemError {
    if (isProblem(body)) return new ProblemError(body, response.headers)
    const requestId = response.headers.get('x-request-id') ?? ''
    return new ProblemError(
      {
        type: 'about:blank',
        title: response.statusText,
        status: response.status,
        detail: typeof body === 'string' ? body.slice(0, 500) : '',
        instance: new URL(response.url || 'http://unknown/').pathname,
        code: `http_${response.status}`,
        requestId,
      },
      response.headers,
    )
  }
}
