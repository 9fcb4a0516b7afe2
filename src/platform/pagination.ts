import { badRequest } from './problem.js'
import { textFault } from './text.js'

/**
 * Cursors are opaque to clients: base64url of the sort key of the last item returned. Decoding checks
 * the shape so that a tampered cursor is a 400, never a database error.
 */
export function encodeCursor(key: (string | number)[]): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url')
}

/** What each part of a list's sort key is; a cursor whose parts are not is refused before any query. */
export type CursorPart = 'uuid' | 'text' | 'timestamp' | 'integer' | 'number'

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const timestampPattern = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})$/

function partFits(part: unknown, kind: CursorPart): boolean {
  switch (kind) {
    case 'uuid':
      return typeof part === 'string' && uuidPattern.test(part)
    case 'text':
      return typeof part === 'string' && part.length <= 200 && textFault(part) === null
    case 'timestamp':
      return typeof part === 'string' && timestampPattern.test(part) && Number.isFinite(Date.parse(part))
    case 'integer':
      return typeof part === 'number' && Number.isSafeInteger(part)
    case 'number':
      return typeof part === 'number' && Number.isFinite(part)
  }
}

export function decodeCursor(
  cursor: string | undefined,
  parts: readonly CursorPart[],
): (string | number)[] | undefined {
  if (cursor === undefined || cursor === '') return undefined
  try {
    const key: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
    if (
      Array.isArray(key) &&
      key.length === parts.length &&
      key.every((part, index) => partFits(part, parts[index]!))
    ) {
      return key as (string | number)[]
    }
  } catch {
    // fall through to the problem below
  }
  throw badRequest('invalid_cursor', 'The cursor is not one this service issued for this list.', [
    { location: 'querystring', pointer: '/cursor', message: 'is not a valid cursor', code: 'invalid_cursor' },
  ])
}

/** Turns a fetched page of `limit + 1` rows into items and the next cursor. */
export function toPage<T>(rows: T[], limit: number, keyOf: (row: T) => (string | number)[]) {
  const hasMore = rows.length > limit
  const items = hasMore ? rows.slice(0, limit) : rows
  const last = items[items.length - 1]
  return { items, nextCursor: hasMore && last !== undefined ? encodeCursor(keyOf(last)) : null }
}
