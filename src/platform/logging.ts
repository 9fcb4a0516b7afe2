import { randomUUID } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import pino, { type Logger, type DestinationStream } from 'pino'

/**
 * Personal fields that must never reach a log line, wherever they appear in a logged object.
 * Bodies are not logged at all; this is the second wall for objects logged by hand.
 */
const personalFieldNames = [
  'fullName',
  'name',
  'displayName',
  'dateOfBirth',
  'personalId',
  'personalIdNumber',
  'phone',
  'address',
  'streetAddress',
  'narrative',
  'perpetratorRelation',
  'headOfHousehold',
  'password',
  'secret',
  'clientSecret',
  'client_secret',
  'access_token',
  'refresh_token',
  'refreshToken',
  'currentPassword',
  'newPassword',
  'previousSecret',
  'token',
  'cardNumber',
]

function redactPaths(): string[] {
  return [
    'req.headers.authorization',
    'req.headers.cookie',
    'req.headers["x-api-key"]',
    'res.headers["set-cookie"]',
    ...personalFieldNames.flatMap((field) => [field, `*.${field}`, `*.*.${field}`]),
  ]
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/**
 * What a log line says of a request: the route it matched (`/v1/children/:id`, not the path, whose
 * segments and query string are whatever the client wrote) and the record ids among its parameters.
 */
function requestSummary(request: {
  method?: string
  ip?: string
  routeOptions?: { url?: string }
  params?: unknown
}): Record<string, unknown> {
  const ids = Object.entries((request.params ?? {}) as Record<string, unknown>).filter(
    ([, value]) => typeof value === 'string' && uuidPattern.test(value),
  )
  return {
    method: request.method,
    route: request.routeOptions?.url ?? null,
    ...(ids.length > 0 ? { ids: Object.fromEntries(ids) } : {}),
    remoteAddress: request.ip,
  }
}

const codePattern = /^[A-Za-z0-9_.:-]{1,64}$/
/** Names of database objects, as PostgreSQL reports them: identifiers, never values. */
const objectNamePattern = /^[A-Za-z0-9_.$ "-]{1,128}$/
const databaseObjectFields = ['severity', 'constraint', 'table', 'column', 'schema', 'dataType', 'routine'] as const
/** `    at fn (file:line:column)`, `    at file:line:column`, `    at async fn (…)`, `    at new Promise (<anonymous>)`. */
const stackFrame = /^ {4}at (?:[\w$.<>[\] ]+ \()?(?:[^()\s]+:\d+:\d+|<anonymous>|native)\)?$/

/**
 * The one way an error reaches a log line. An error's message is never logged: a driver's names the
 * offending value ('invalid input syntax for type uuid: "…"'), drizzle's quotes the statement and its
 * parameters, JSON.parse's quotes the input, Node's argument errors print what they received. What is
 * logged is enough to find the cause: the error's class and code, the database objects involved
 * (constraint, table, column), the stack's frames (its first line, the message, dropped) and the same
 * for each cause.
 */
export function safeError(error: unknown, depth = 0): Record<string, unknown> {
  if (error === null || typeof error !== 'object') return { type: typeof error }
  const fields = error as Record<string, unknown>
  const result: Record<string, unknown> = {
    type: (error as { constructor?: { name?: string } }).constructor?.name ?? 'Object',
  }
  if (typeof fields.code === 'string' && codePattern.test(fields.code)) result.code = fields.code
  if (typeof fields.status === 'number') result.status = fields.status
  if (typeof fields.statusCode === 'number') result.statusCode = fields.statusCode
  if (typeof fields.syscall === 'string' && codePattern.test(fields.syscall)) result.syscall = fields.syscall
  for (const name of databaseObjectFields) {
    const value = fields[name]
    if (typeof value === 'string' && objectNamePattern.test(value)) result[name] = value
  }
  if (typeof fields.stack === 'string') {
    // The stack begins with the message, which may itself span lines that look like frames: cut it off
    // first, then keep only lines of a frame's form.
    // eslint-disable-next-line @typescript-eslint/no-base-to-string -- `name` of any thrown object: String() is how V8 converts it for the stack's first line
    const header = `${String(fields.name ?? 'Error')}${typeof fields.message === 'string' && fields.message ? `: ${fields.message}` : ''}`
    const rest = fields.stack.startsWith(header) ? fields.stack.slice(header.length) : fields.stack
    const frames = rest.split('\n').filter((line) => stackFrame.test(line))
    if (frames.length > 0) result.stack = frames.join('\n')
  }
  if (depth < 4 && fields.cause !== undefined) result.cause = safeError(fields.cause, depth + 1)
  if (depth < 4 && Array.isArray(fields.errors))
    result.errors = fields.errors.slice(0, 3).map((inner) => safeError(inner, depth + 1))
  return result
}

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      redact: { paths: redactPaths(), censor: '[redacted]' },
      serializers: {
        // Headers such as User-Agent and Referer carry whatever a client puts there: never logged.
        req: requestSummary,
        res(reply: { statusCode?: number }) {
          return { statusCode: reply.statusCode }
        },
        err: safeError,
      },
      hooks: {
        // log.error(error) with no message would log the error's message as the line's own.
        logMethod(args, method) {
          if (args[0] instanceof Error && typeof args[1] !== 'string') {
            method.apply(this, [{ err: args[0] }, 'error'])
            return
          }
          method.apply(this, args)
        },
      },
      base: { service: 'child-protection-service' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  )
}

const acceptableRequestId = /^[A-Za-z0-9._:-]{1,128}$/

/** Accepts a caller's X-Request-Id when it is safe to log and echo; otherwise makes a new one. */
export function requestIdFor(request: IncomingMessage): string {
  const header = request.headers['x-request-id']
  if (typeof header === 'string' && acceptableRequestId.test(header)) return header
  return randomUUID()
}
