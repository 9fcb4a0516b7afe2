import t from 'tap'
import { calendarExpiryJob } from '../../../src/modules/calendar/expiry.js'
import { createTestApp } from '../../support/app.js'
import { accountFor, province, wardToday } from '../../support/auth.js'

// 15 November 2027, 10:00 in Hanoi: the calendar holds 2024–2027, so it runs out in 46 days.
const ctx = await createTestApp(t, { now: '2027-11-15T03:00:00Z' })
const { app } = ctx
const officer = await accountFor(ctx, { role: 'ward_officer', units: [wardToday] })
const admin = await accountFor(ctx, { role: 'district_admin', units: [province] })

const expiring = async (account: { headers: Record<string, string> }) => {
  const response = await app.inject({ url: '/v1/events?types=calendar.expiring', headers: account.headers })
  t.equal(response.statusCode, 200)
  return response.json().items as { unit: { wardCode: string }; data: Record<string, unknown>; resource: unknown }[]
}

t.test('60 days before the calendar runs out, each ward in force is warned once', async (t) => {
  await app.jobs.runDue()
  const seen = await expiring(officer)
  t.same(
    seen.map((event) => [event.unit.wardCode, event.data]),
    [[wardToday, { year: 2028, coveredUntil: '2027-12-31', daysLeft: 46 }]],
    'an officer sees the warning for their ward',
  )
  t.same(seen[0]!.resource, { type: 'calendar_year', id: '2028' })
  const everyWard = await expiring(admin)
  t.ok(everyWard.length >= 7, 'one per ward in force')
  t.notOk(
    everyWard.some((event) => event.unit.wardCode === '00301'),
    'none for a ward the reorganisation abolished',
  )

  await calendarExpiryJob(app.database).handler({}, { now: new Date('2027-11-16T03:00:00Z'), attempt: 1, jobId: 0 })
  t.equal((await expiring(admin)).length, everyWard.length, 'the next run warns nobody twice')
})
