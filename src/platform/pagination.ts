import { badRequest } from './problem.js'

/**
 * Cursors are opaque to clients: base64url of the sort key of the last item returned. Decoding checks
 * the shape so that a tampered cursor is a 400, never a database error.
 */
export function encodeCursor(key: (string | number)[]): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url')
}

export function decodeCursor(cursor: string | undefined, arity: number): (string | number)[] | undefined {
  if (cursor === undefined || cursor === '') return undefined
  try {
    const key: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
    if (
      Array.isArray(key) &&
      key.length === arity &&
      key.every((part) => (typeof part === 'string' && part.length <= 200) || (typeof part === 'number' && Number.isFinite(part)))
    ) {
      return key as (string | number)[]
    }
  } catch {
    // fall through to the problem below
  }
  throw badRequest('invalid_cursor', 'The cursor is not one this service issued for this list.', [
    { location: 'querystring', pointer: '/cursor', message: 'is not a valid cursor' },
  ])
}

/** Turns a fetched page of `limit + 1` rows into items and the next cursor. */
export function toPage<T>(rows: T[], limit: number, keyOf: (row: T) => (string | number)[]) {
  const hasMore = rows.length > limit
  const items = hasMore ? rows.slice(0, limit) : rows
  const last = items[items.length - 1]
  return { items, nextCursor: hasMore && last !== undefined ? encodeCursor(keyOf(last)) : null }
}
