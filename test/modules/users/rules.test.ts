import t from 'tap'
import {
  authorizationServerMetadata,
  refreshTokenHash,
  remainingThrottleMs,
  sessionExpiry,
  sessionState,
  throttleAddress,
  throttleDelayMs,
  type ThrottleScope,
} from '../../../src/modules/users/rules.js'

t.test('sign-in waits: per address soon long, per account slow to grow', async (t) => {
  const minutes15 = 15 * 60 * 1000
  const cases: [ThrottleScope, number, number][] = [
    ['address', 0, 0],
    ['address', 4, 0],
    ['address', 5, 1000],
    ['address', 6, 2000],
    ['address', 9, 16_000],
    ['address', 15, minutes15],
    ['address', 500, minutes15],
    ['account', 19, 0],
    ['account', 20, 1000],
    ['account', 29, 1000],
    ['account', 30, 2000],
    ['account', 60, 16_000],
    ['account', 200, minutes15],
  ]
  for (const [scope, attempts, delay] of cases)
    t.equal(throttleDelayMs(scope, attempts), delay, `${scope} after ${attempts}`)
  const last = new Date('2026-12-03T03:00:00Z')
  t.equal(remainingThrottleMs('address', 6, last, new Date('2026-12-03T03:00:00.500Z')), 1500)
  t.equal(remainingThrottleMs('address', 6, last, new Date('2026-12-03T03:00:05Z')), 0)
})

t.test('the place an attempt comes from: an IPv4 address, or an IPv6 /64', async (t) => {
  const cases: [string, string][] = [
    ['203.0.113.5', '203.0.113.5'],
    ['::ffff:203.0.113.5', '203.0.113.5'],
    ['2001:db8:0:12:1111:2222:3333:4444', '2001:db8:0:12::/64'],
    ['2001:db8:0:12::9', '2001:db8:0:12::/64'],
    ['2001:DB8:0000:0012:abcd::1', '2001:db8:0:12::/64'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
  ]
  for (const [ip, place] of cases) t.equal(throttleAddress(ip), place, ip)
})

t.test('a session’s lifetime: idle since its last refresh, and at most its maximum after the sign-in', async (t) => {
  const settings = { refreshTokenTtlSeconds: 3600, sessionMaxSeconds: 4 * 3600 }
  const signIn = new Date('2026-12-06T01:00:00Z')
  const at = (minutes: number) => new Date(signIn.getTime() + minutes * 60_000)
  const cases: [string, Date, Date, Date][] = [
    ['at the sign-in', signIn, at(60), at(240)],
    ['refreshed after two hours', at(120), at(180), at(240)],
    ['refreshed near the end: the maximum wins', at(210), at(240), at(240)],
  ]
  for (const [name, refreshedAt, idle, max] of cases)
    t.same(sessionExpiry(signIn, refreshedAt, settings), { idleExpiresAt: idle, expiresAt: max }, name)

  const live = { revokedAt: null, idleExpiresAt: at(60), expiresAt: at(240) }
  const states: [string, Parameters<typeof sessionState>[0], Date, string][] = [
    ['within the hour', live, at(59), 'live'],
    ['at the idle expiry', live, at(60), 'expired'],
    ['past the maximum though refreshed', { ...live, idleExpiresAt: at(300) }, at(240), 'expired'],
    ['revoked', { ...live, revokedAt: at(10) }, at(20), 'revoked'],
  ]
  for (const [name, session, now, expected] of states) t.equal(sessionState(session, now), expected, name)
})

t.test('a refresh token is kept as its SHA-256 only', async (t) => {
  const token = 'cpsrt_AAAA'
  t.match(refreshTokenHash(token), /^[0-9a-f]{64}$/)
  t.not(refreshTokenHash(token), refreshTokenHash('cpsrt_AAAB'))
  t.notMatch(refreshTokenHash(token), /AAAA/)
})

t.test(
  'the metadata’s endpoints: under an https issuer, else under the address asked (and then not cacheable)',
  async (t) => {
    const cases: [string, string, string, string, boolean][] = [
      ['an https issuer', 'https://cps.hanoi.example', 'http://forged.example', 'https://cps.hanoi.example', true],
      ['an https issuer with a path', 'https://cps.hanoi.example/api', 'http://x', 'https://cps.hanoi.example', true],
      ['a URN issuer', 'urn:cps:hoang-mai', 'http://127.0.0.1:3000', 'http://127.0.0.1:3000', false],
      ['a plain http issuer', 'http://cps.local', 'https://cps.example', 'https://cps.example', false],
    ]
    for (const [name, issuer, asked, origin, cacheable] of cases) {
      const { metadata, cacheable: kept } = authorizationServerMetadata(issuer, asked)
      t.equal(metadata.issuer, issuer, name)
      t.equal(metadata.token_endpoint, `${origin}/v1/auth/token`, name)
      t.equal(metadata.revocation_endpoint, `${origin}/v1/auth/revoke`, name)
      t.equal(kept, cacheable, name)
    }
  },
)
