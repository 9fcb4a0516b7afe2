import { STATUS_CODES } from 'node:http'

/** One field-level failure: where it is (JSON pointer within the request part) and what is wrong. */
export interface FieldError {
  location: 'body' | 'querystring' | 'params' | 'headers'
  pointer: string
  message: string
  code?: string
}

/** A domain rule's problems with the request body, as the field errors of a problem response. */
export function bodyErrors(problems: readonly { pointer: string; message: string; code?: string }[]): FieldError[] {
  return problems.map((problem) => ({
    location: 'body',
    pointer: problem.pointer,
    message: problem.message,
    code: problem.code,
  }))
}

/**
 * An RFC 9457 problem raised on purpose. `code` is the stable, machine-readable name a client
 * switches on; `title` is constant per code; `detail` explains this occurrence.
 */
export class HttpProblem extends Error {
  readonly status: number
  readonly code: string
  readonly title: string
  readonly detail: string
  readonly errors: FieldError[] | undefined
  readonly extensions: Record<string, unknown>
  readonly headers: Record<string, string>
  /** The record a 404 was about, for the audit log (never sent to the client). */
  readonly missing: { resourceType: string; resourceId: string } | undefined

  constructor(
    status: number,
    code: string,
    detail: string,
    options: {
      title?: string
      errors?: FieldError[]
      extensions?: Record<string, unknown>
      headers?: Record<string, string>
      missing?: { resourceType: string; resourceId: string }
    } = {},
  ) {
    super(detail)
    this.name = 'HttpProblem'
    this.status = status
    this.code = code
    this.title = options.title ?? STATUS_CODES[status] ?? 'Error'
    this.detail = detail
    this.errors = options.errors
    this.extensions = options.extensions ?? {}
    this.headers = options.headers ?? {}
    this.missing = options.missing
  }
}

export const problemTypeBase = 'urn:cps:problem:'

export const notFound = (resource: string, id: string) =>
  new HttpProblem(404, 'not_found', `${resource} ${JSON.stringify(id)} was not found.`, {
    missing: { resourceType: resource.toLowerCase().replace(/[^a-z]+/g, '_'), resourceId: id },
  })

export const badRequest = (code: string, detail: string, errors?: FieldError[]) =>
  new HttpProblem(400, code, detail, { errors })

export const unprocessable = (
  code: string,
  detail: string,
  errors?: FieldError[],
  extensions?: Record<string, unknown>,
) => new HttpProblem(422, code, detail, { errors, extensions })

export const conflict = (code: string, detail: string, extensions?: Record<string, unknown>) =>
  new HttpProblem(409, code, detail, { extensions })
