import { randomUUID } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import pino, { type Logger, type DestinationStream } from 'pino'

/**
 * Personal fields that must never reach a log line, wherever they appear in a logged object.
 * Bodies are not logged at all; this is the second wall for objects logged by hand.
 */
export const personalFieldNames = [
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
  'token',
  'cardNumber',
]

export function redactPaths(): string[] {
  return [
    'req.headers.authorization',
    'req.headers.cookie',
    'req.headers["x-api-key"]',
    'res.headers["set-cookie"]',
    // Driver errors carry the offending values (query parameters, "Key (x)=(...)" details).
    'err.params',
    'err.detail',
    'err.cause.params',
    'err.cause.detail',
    ...personalFieldNames.flatMap((field) => [field, `*.${field}`, `*.*.${field}`]),
  ]
}

/** Only the path is logged: query strings can carry names being searched for. */
export function pathOnly(url: string | undefined): string {
  return (url ?? '/').split('?')[0] ?? '/'
}

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      redact: { paths: redactPaths(), censor: '[redacted]' },
      serializers: {
        // Only method, path and address: headers such as User-Agent and Referer carry whatever a client puts there.
        req(request: { method?: string; url?: string; ip?: string }) {
          return { method: request.method, path: pathOnly(request.url), remoteAddress: request.ip }
        },
        res(reply: { statusCode?: number }) {
          return { statusCode: reply.statusCode }
        },
        err: pino.stdSerializers.err,
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
