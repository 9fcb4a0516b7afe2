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
