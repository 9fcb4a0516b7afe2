import type { FastifyInstance, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { HttpProblem, type FieldError } from './problem.js'

export type TextFault = 'nul_character' | 'unpaired_surrogate'

/**
 * What makes a string unfit to store: a NUL character, which PostgreSQL refuses in text and JSON, and
 * half of a UTF-16 surrogate pair, which is no character at all (encoded to UTF-8 it silently becomes
 * U+FFFD, changing what was sent).
 */
export function textFault(value: string): TextFault | null {
  if (value.includes('\u0000')) return 'nul_character'
  if (!value.isWellFormed()) return 'unpaired_surrogate'
  return null
}

export const textFaultMessages: Record<TextFault, string> = {
  nul_character: 'contains a NUL character (U+0000), which is not text',
  unpaired_surrogate: 'contains half of a UTF-16 surrogate pair, which is not a character',
}

const escapePointer = (segment: string) => segment.replace(/~/g, '~0').replace(/\//g, '~1')

/** Every string (object keys included) in a parsed value that is unfit to store, by JSON pointer. */
export function findTextFaults(
  value: unknown,
  location: FieldError['location'],
  pointer = '',
  found: FieldError[] = [],
  depth = 0,
): FieldError[] {
  if (typeof value === 'string') {
    const fault = textFault(value)
    if (fault) found.push({ location, pointer: pointer || '/', message: textFaultMessages[fault], code: fault })
  } else if (Array.isArray(value)) {
    if (depth < 64)
      value.forEach((item, index) => findTextFaults(item, location, `${pointer}/${index}`, found, depth + 1))
  } else if (value !== null && typeof value === 'object' && depth < 64) {
    for (const [key, item] of Object.entries(value)) {
      const itemPointer = `${pointer}/${escapePointer(key)}`
      const keyFault = textFault(key)
      if (keyFault)
        found.push({
          location,
          pointer: itemPointer,
          message: `its name ${textFaultMessages[keyFault]}`,
          code: keyFault,
        })
      findTextFaults(item, location, itemPointer, found, depth + 1)
    }
  }
  return found
}

export function textProblem(errors: FieldError[]): HttpProblem {
  return new HttpProblem(
    400,
    'invalid_text',
    `The request holds ${errors.length} string(s) that are not text: a NUL character or half of a surrogate pair.`,
    {
      title: 'Text that cannot be stored',
      errors,
    },
  )
}

function requestTextFaults(request: FastifyRequest): FieldError[] {
  const found: FieldError[] = []
  findTextFaults(request.params, 'params', '', found)
  findTextFaults(request.query, 'querystring', '', found)
  // Streams (an import's file) are read by their own parser, which checks each row.
  if (
    request.body !== null &&
    typeof request.body === 'object' &&
    typeof (request.body as { pipe?: unknown }).pipe !== 'function'
  ) {
    findTextFaults(request.body, 'body', '', found)
  } else if (typeof request.body === 'string') findTextFaults(request.body, 'body', '', found)
  return found
}

/**
 * One check for every route, before validation and long before the database: a string that is not
 * text is a 400 naming each place it occurs, whatever the route does with it.
 */
async function textPlugin(app: FastifyInstance) {
  app.addHook('preValidation', async (request) => {
    const faults = requestTextFaults(request)
    if (faults.length > 0) throw textProblem(faults)
  })
}

export default fp(textPlugin, { name: 'platform-text', fastify: '5.x', dependencies: ['platform-errors'] })
