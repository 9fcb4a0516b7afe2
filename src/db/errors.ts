/** True when the error (or a cause it wraps: drizzle wraps the driver's) is a unique violation, of `constraint` when named. */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  for (
    let current = error as { code?: string; constraint?: string; cause?: unknown } | undefined;
    current;
    current = current.cause as typeof current
  ) {
    if (current.code === '23505' && (!constraint || current.constraint === constraint)) return true
  }
  return false
}

/** The SQLSTATE of the error, or of the first cause it wraps that has one. */
export function sqlState(error: unknown): string | undefined {
  for (
    let current = error as { code?: unknown; cause?: unknown } | undefined;
    current;
    current = current.cause as typeof current
  ) {
    if (typeof current.code === 'string' && /^[0-9A-Z]{5}$/.test(current.code)) return current.code
  }
  return undefined
}
