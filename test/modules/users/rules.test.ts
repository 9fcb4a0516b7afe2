import t from 'tap'
import {
  remainingThrottleMs,
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
