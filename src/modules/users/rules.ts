/** Pure rules for accounts: password policy, the progressive delay after failed sign-ins, sessions' lifetimes. */
import { createHash } from 'node:crypto'

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

/**
 * Sign-in throttling, counted per key. A key's row counts its attempts since its last success (an
 * attempt is counted before its password is checked, so attempts sent at once are counted at once).
 *
 * - `address`: one account from one client address (an IPv6 address by its /64, what one household or
 *   device is given). Five attempts free, then each further attempt waits 1 s, 2 s, 4 s … up to 15
 *   minutes: guessing from one place soon stops.
 * - `account`: one account from anywhere. Twenty attempts free, then one attempt a second, the wait
 *   doubling every ten attempts up to 15 minutes: guessing from many addresses is slowed to a crawl.
 *   An address the account signed in from in the last 30 days is exempt from this count (not from its
 *   own), so nobody can lock an officer out by failing on purpose from elsewhere.
 */
export type ThrottleScope = 'address' | 'account'

const freeAttempts: Record<ThrottleScope, number> = { address: 5, account: 20 }
const maxDelayMs = 15 * 60 * 1000

export function throttleDelayMs(scope: ThrottleScope, attempts: number): number {
  const beyond = attempts - freeAttempts[scope]
  if (beyond < 0) return 0
  return Math.min(1000 * 2 ** (scope === 'account' ? Math.floor(beyond / 10) : beyond), maxDelayMs)
}

/** How long an address an account signed in from stays exempt from the account-wide count. */
export const knownAddressMs = 30 * 24 * 60 * 60 * 1000

/** The part of a client address that names one place: an IPv4 address, or an IPv6 address's /64. */
export function throttleAddress(ip: string): string {
  const address = ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip
  if (!address.includes(':')) return address
  const [head = '', tail = ''] = address.split('::')
  const headGroups = head ? head.split(':') : []
  const tailGroups = tail ? tail.split(':') : []
  const groups = address.includes('::')
    ? [...headGroups, ...Array<string>(8 - headGroups.length - tailGroups.length).fill('0'), ...tailGroups]
    : headGroups
  return `${groups
    .slice(0, 4)
    .map((group) => group.toLowerCase().replace(/^0+(?=.)/, ''))
    .join(':')}::/64`
}

/** Milliseconds the caller must still wait before another attempt, or 0 when one is allowed now. */
export function remainingThrottleMs(scope: ThrottleScope, attempts: number, lastAttemptAt: Date, now: Date): number {
  const until = lastAttemptAt.getTime() + throttleDelayMs(scope, attempts)
  return Math.max(0, until - now.getTime())
}

/** How long a key's count is kept after its last attempt: past the longest delay it no longer matters. */
export const throttleMemoryMs = 24 * 60 * 60 * 1000

export interface SessionSettings {
  /** How long a refresh token stays usable: a session unused for that long ends. */
  refreshTokenTtlSeconds: number
  /** How long after the sign-in a session ends, however often it is refreshed. */
  sessionMaxSeconds: number
}

/** A refresh token as it is kept: its SHA-256 (the token is 32 random bytes, so no slow hash is needed). */
export function refreshTokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex')
}

/** When a session signed in at `createdAt` and refreshed at `refreshedAt` ends: idle, and at the latest. */
export function sessionExpiry(
  createdAt: Date,
  refreshedAt: Date,
  settings: SessionSettings,
): { idleExpiresAt: Date; expiresAt: Date } {
  const expiresAt = new Date(createdAt.getTime() + settings.sessionMaxSeconds * 1000)
  const idle = new Date(refreshedAt.getTime() + settings.refreshTokenTtlSeconds * 1000)
  return { idleExpiresAt: idle < expiresAt ? idle : expiresAt, expiresAt }
}

/** Whether a session may still be refreshed at `now`. */
export function sessionState(
  session: { revokedAt: Date | null; idleExpiresAt: Date; expiresAt: Date },
  now: Date,
): 'live' | 'revoked' | 'expired' {
  if (session.revokedAt !== null) return 'revoked'
  return now < session.idleExpiresAt && now < session.expiresAt ? 'live' : 'expired'
}

/**
 * The authorization server metadata (RFC 8414): its endpoints under the issuer when the issuer is an https
 * URL (then the same for every request, and cacheable), else under the address the request was made to.
 */
export function authorizationServerMetadata(issuer: string, requestOrigin: string) {
  const cacheable = issuer.startsWith('https://')
  const origin = cacheable ? new URL(issuer).origin : requestOrigin
  return {
    cacheable,
    metadata: {
      issuer,
      token_endpoint: `${origin}/v1/auth/token`,
      revocation_endpoint: `${origin}/v1/auth/revoke`,
      jwks_uri: `${origin}/.well-known/jwks.json`,
      grant_types_supported: ['password', 'client_credentials', 'refresh_token'],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
      revocation_endpoint_auth_methods_supported: ['none'],
      response_types_supported: [],
      service_documentation: `${origin}/docs`,
    },
  }
}
