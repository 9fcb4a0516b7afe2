/** Pure rules for accounts: password policy and the progressive delay after failed sign-ins. */

const commonPasswords = new Set([
  'password',
  'password1',
  'password123',
  '123456789012',
  '12345678',
  '123456789',
  '1234567890',
  'qwertyuiop',
  'matkhau123',
  'matkhau',
  'admin123456',
  'iloveyou',
  'abc123456789',
])

export interface PasswordContext {
  username: string
  displayName?: string
  minLength: number
}

/** Every reason a password is refused; empty when it is acceptable. */
export function passwordProblems(password: string, context: PasswordContext): string[] {
  const problems: string[] = []
  if ([...password].length < context.minLength) problems.push(`must be at least ${context.minLength} characters`)
  if (password.length > 256) problems.push('must be at most 256 characters')
  const lower = password.toLowerCase()
  const username = context.username.toLowerCase()
  if (username.length >= 3 && lower.includes(username)) problems.push('must not contain the username')
  if (new Set(password).size <= 2) problems.push('must not repeat one or two characters')
  if (commonPasswords.has(lower)) problems.push('is a commonly used password')
  return problems
}

/** Failures allowed before delays start. */
export const freeFailures = 5
const maxDelayMs = 15 * 60 * 1000

/**
 * How long after the last failure the next attempt for this key is refused without checking the
 * password: nothing for the first failures, then 1 s, 2 s, 4 s … up to 15 minutes.
 */
export function lockoutDelayMs(failures: number): number {
  if (failures < freeFailures) return 0
  return Math.min(1000 * 2 ** (failures - freeFailures), maxDelayMs)
}

/** Milliseconds the caller must still wait, or 0 when an attempt is allowed now. */
export function remainingLockoutMs(failures: number, lastFailureAt: Date, now: Date): number {
  const until = lastFailureAt.getTime() + lockoutDelayMs(failures)
  return Math.max(0, until - now.getTime())
}
