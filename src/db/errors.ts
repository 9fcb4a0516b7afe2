/** The error and each cause it wraps, outermost first (drizzle wraps the driver's). */
function* errorChain(error: unknown): Generator<{ code?: unknown; constraint?: unknown }> {
  for (let current = error as { cause?: unknown } | undefined; current; current = current.cause as typeof current)
    yield current as { code?: unknown; constraint?: unknown }
}

/** True when the error (or a cause it wraps) is a unique violation, of `constraint` when named. */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  for (const current of errorChain(error)) {
    if (current.code === '23505' && (!constraint || current.constraint === constraint)) return true
  }
  return false
}

/** The SQLSTATE of the error, or of the first cause it wraps that has one. */
export function sqlState(error: unknown): string | undefined {
  for (const current of errorChain(error)) {
    if (typeof current.code === 'string' && /^[0-9A-Z]{5}$/.test(current.code)) return current.code
  }
  return undefined
}
