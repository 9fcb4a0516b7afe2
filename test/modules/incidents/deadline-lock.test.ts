import t from 'tap'
import { createTestApp, onPostgres } from '../../support/app.js'
import { accountFor, province, wardToday } from '../../support/auth.js'
import { loadHolidays } from '../../../src/reference/index.js'
import { ownerSession, waitForLockWaiter } from '../../support/owner.js'
import { incidentReport, registerChild } from '../../support/registry.js'

// An incident written while the calendar under its deadlines changes is counted with the changed
// calendar: the change holds the deadline rules' lock alone, and the write waits for it.
t.test(
  'an incident recorded during a calendar change waits for it and counts with the new day off',
  { skip: !onPostgres && 'needs two connections (DATABASE_URL)' },
  async (t) => {
    const ctx = await createTestApp(t, { now: '2026-12-07T03:00:00Z' })
    const officer = await accountFor(ctx, { role: 'ward_officer', units: [wardToday] })
    const child = await registerChild(ctx, officer, { fullName: 'Lê Văn Khoá', address: { wardCode: wardToday } })
    const change = await ownerSession(t, ctx.database)
    await change.query('begin')
    await change.query(`select pg_advisory_xact_lock(hashtext('deadline_rules'))`)

    const recording = ctx.app.inject({
      method: 'POST',
      url: '/v1/incidents',
      headers: officer.headers,
      payload: incidentReport(
        { id: child.id, wardCode: wardToday },
        { occurredAt: '2026-12-07T08:00:00+07:00', detectedAt: '2026-12-07T09:00:00+07:00' },
      ),
    })
    await waitForLockWaiter(change, 'advisory', 60_000)
    // Monday 7 December received; five working days end on Monday 14 unless a day off intervenes.
    await change.query(
      `insert into calendar_days (date, kind, name_vi, name_en, legal_basis)
       values ('2026-12-10', 'holiday', 'Ngày nghỉ thử nghiệm', 'Test day off', 'test')`,
    )
    await change.query('commit')

    const response = await recording
    t.equal(response.statusCode, 201)
    const plan = response.json().schedule.find((s: { step: string }) => s.step === 'support_plan')
    t.equal(plan.dueAt, '2026-12-15T16:59:59.000Z', 'Tuesday 15: the day off committed while it waited counts')
  },
)

t.test(
  'a calendar change waits for an incident write under way, and then reaches it',
  { skip: !onPostgres && 'needs two connections (DATABASE_URL)' },
  async (t) => {
    const ctx = await createTestApp(t, { now: '2026-12-07T03:00:00Z' })
    const admin = await accountFor(ctx, { role: 'district_admin', units: [province] })
    const writer = await ownerSession(t, ctx.database)
    await writer.query('begin')
    await writer.query(`select pg_advisory_xact_lock_shared(hashtext('deadline_rules'))`)
    const days = loadHolidays().data.days.filter((d) => d.date.startsWith('2026-'))
    const version = (await ctx.app.inject({ url: '/v1/calendar/years/2026', headers: admin.headers })).headers.etag
    const changing = ctx.app.inject({
      method: 'PUT',
      url: '/v1/calendar/years/2026',
      headers: { ...admin.headers, 'if-match': version as string },
      payload: {
        days: [
          ...days,
          {
            date: '2026-12-10',
            kind: 'day_off',
            nameVi: 'Nghỉ thử nghiệm',
            nameEn: 'Test day off',
            legalBasis: 'test',
          },
        ],
      },
    })
    await waitForLockWaiter(writer, 'advisory', 60_000)
    await writer.query('commit')
    t.equal((await changing).statusCode, 200, 'the change went on once the write ended')
  },
)
