import { and, eq } from 'drizzle-orm'
import t from 'tap'
import { auditEvents } from '../../../src/modules/audit/tables.js'
import { applyHolidaysReference } from '../../../src/modules/calendar/repository.js'
import { incidents } from '../../../src/modules/incidents/tables.js'
import { loadHolidays } from '../../../src/reference/index.js'
import { inScope, systemScope } from '../../../src/platform/scope.js'
import { createTestApp } from '../../support/app.js'
import { accountFor, province, wardToday } from '../../support/auth.js'
import { incidentReport, registerChild } from '../../support/registry.js'

interface Day {
  date: string
  kind: string
  nameVi: string
  nameEn: string
  confirmed: boolean
  legalBasis: string
}

/** The reference's days of a year, as a PUT body's list. */
const referenceDays = (year: number): Day[] => loadHolidays().data.days.filter((d) => d.date.startsWith(`${year}-`))

/** The four holidays Labour Code 2019 Art. 112 fixes in the solar calendar: the least a year can hold. */
const fixedHolidays = (year: number) =>
  ['01-01', '04-30', '05-01', '09-02'].map((monthDay) => ({
    date: `${year}-${monthDay}`,
    kind: 'holiday',
    nameVi: 'Ngày lễ',
    nameEn: 'Public holiday',
    legalBasis: 'Bộ luật Lao động 2019, Điều 112',
    confirmed: false,
  }))

t.test('the calendar years: coverage, an administrator’s corrections, and deadlines that follow', async (t) => {
  // Wednesday 3 February 2027, 09:00 in Hanoi: the day before the Tết 2027 break the reference holds (5–11/2).
  const ctx = await createTestApp(t, { now: '2027-02-03T02:00:00Z' })
  const { app } = ctx
  const admin = await accountFor(ctx, { role: 'district_admin', units: [province] })
  const officer = await accountFor(ctx, { role: 'ward_officer', units: [wardToday] })
  const get = (url: string, account = officer) => app.inject({ url, headers: account.headers })
  const put = (year: number, days: unknown[], headers: Record<string, string> = {}, account = admin) =>
    app.inject({
      method: 'PUT',
      url: `/v1/calendar/years/${year}`,
      headers: { ...account.headers, ...headers },
      payload: { days },
    })
  const deadline = async (from: string, workingDays: number) =>
    (await get(`/v1/calendar/deadline?from=${encodeURIComponent(from)}&workingDays=${workingDays}`)).json<{
      dueDate: string
      calendarMissing: boolean
      missingYears: number[]
    }>()

  t.test('the covered years are listed, each from the reference', async (t) => {
    const response = await get('/v1/calendar/years')
    t.equal(response.statusCode, 200)
    const items = response.json<{ items: { year: number; source: string; days: number }[] }>().items
    t.same(
      items.map((y) => y.year),
      [2024, 2025, 2026, 2027],
    )
    t.ok(items.every((y) => y.source === 'reference' && y.days > 0))
    const year = await get('/v1/calendar/years/2026')
    t.equal(year.statusCode, 200)
    t.equal(year.headers.etag, `"${year.json().version}"`)
    t.ok(year.json().days.some((d: Day) => d.date === '2026-01-10' && d.kind === 'working_day'))
    t.equal((await get('/v1/calendar/years/2031')).statusCode, 404)
  })

  t.test('deadlines: the January 2026 swap, and a year without a calendar', async (t) => {
    t.match(await deadline('2025-12-31T10:00:00+07:00', 5), {
      dueDate: '2026-01-09',
      calendarMissing: false,
      missingYears: [],
    })
    t.match(await deadline('2027-12-28T10:00:00+07:00', 5), {
      dueDate: '2028-01-04',
      calendarMissing: true,
      missingYears: [2028],
    })
  })

  t.test('only an administrator sets a year', async (t) => {
    const refused = await put(2028, fixedHolidays(2028), {}, officer)
    t.equal(refused.statusCode, 403)
  })

  t.test('a bad year is refused and nothing changes', async (t) => {
    const before = (await get('/v1/calendar/years/2027')).json()
    const version = String(before.version)
    const weekdayWorked = [
      ...referenceDays(2027),
      { ...referenceDays(2027)[0]!, date: '2027-02-19', kind: 'working_day' },
    ]
    const invalid = await put(2027, weekdayWorked, { 'if-match': `"${version}"` })
    t.equal(invalid.statusCode, 422)
    t.equal(invalid.json().code, 'invalid_calendar_year')
    t.match(invalid.json().errors, [{ pointer: `/days/${weekdayWorked.length - 1}/date`, code: 'not_a_weekend_day' }])
    const noNationalDay = await put(
      2027,
      referenceDays(2027).filter((d) => d.date !== '2027-09-02'),
      { 'if-match': `"${version}"` },
    )
    t.equal(noNationalDay.statusCode, 422)
    t.same((await get('/v1/calendar/years/2027')).json(), before, 'unchanged')
  })

  t.test('If-Match: required to correct a year, and must be current', async (t) => {
    const missing = await put(2027, referenceDays(2027))
    t.equal(missing.statusCode, 428)
    const stale = await put(2027, referenceDays(2027), { 'if-match': '"999"' })
    t.equal(stale.statusCode, 412)
    t.equal(stale.json().code, 'version_mismatch')
    const newYear = await put(2031, fixedHolidays(2031), { 'if-match': '"1"' })
    t.equal(newYear.statusCode, 412, 'a year not yet covered takes no If-Match')
  })

  t.test('an administrator corrects Tết 2027 and the deadlines move', async (t) => {
    const child = await registerChild(ctx, officer, { fullName: 'Lò Thị Ban', address: { wardCode: wardToday } })
    const created = await app.inject({
      method: 'POST',
      url: '/v1/incidents',
      headers: officer.headers,
      payload: incidentReport(
        { id: child.id, wardCode: wardToday },
        { occurredAt: '2027-02-03T08:00:00+07:00', detectedAt: '2027-02-03T08:30:00+07:00' },
      ),
    })
    t.equal(created.statusCode, 201, created.body)
    const id = created.json<{ id: string }>().id
    const assessed = await app.inject({
      method: 'POST',
      url: `/v1/incidents/${id}/steps`,
      headers: officer.headers,
      payload: { step: 'initial_assessment' },
    })
    t.equal(assessed.statusCode, 201, assessed.body)
    const specificDue = async () => {
      const detail = (await get(`/v1/incidents/${id}`)).json<{ pendingSteps: { step: string; dueAt: string }[] }>()
      return detail.pendingSteps.find((p) => p.step === 'specific_assessment')?.dueAt
    }
    const stored = async () =>
      inScope(app.database.db, systemScope, async (tx) => {
        const [row] = await tx.select({ due: incidents.nextStepDueAt }).from(incidents).where(eq(incidents.id, id))
        return row?.due?.toISOString()
      })
    // Received Wednesday 3/2: Thursday 4/2 (1), the break 5–11/2, Friday 12/2 (2), Monday 15/2 (3).
    t.equal(await specificDue(), '2027-02-15T16:59:59.000Z')
    t.equal(await stored(), '2027-02-15T16:59:59.000Z')
    t.equal((await deadline('2027-02-03T10:00:00+07:00', 3)).dueDate, '2027-02-15')

    // The (hypothetical) notice gives Friday 12/2 off too, worked back on Saturday 20/2.
    const before = (await get('/v1/calendar/years/2027')).json()
    const corrected = [
      ...referenceDays(2027).map((d) => ({ ...d, confirmed: true })),
      {
        date: '2027-02-12',
        kind: 'day_off',
        nameVi: 'Nghỉ hoán đổi dịp Tết Nguyên đán',
        nameEn: 'Swapped day off (worked on 2027-02-20)',
        legalBasis: 'Thông báo (giả định) số 1/TB-TEST',
      },
      {
        date: '2027-02-20',
        kind: 'working_day',
        nameVi: 'Ngày làm việc bù',
        nameEn: 'Make-up working day (for 2027-02-12)',
        legalBasis: 'Thông báo (giả định) số 1/TB-TEST',
      },
    ]
    const saved = await put(2027, corrected, { 'if-match': `"${before.version}"` })
    t.equal(saved.statusCode, 200, saved.body)
    t.equal(saved.json().version, before.version + 1)
    t.equal(saved.headers.etag, `"${before.version + 1}"`)
    t.match(saved.json(), { source: 'admin', updatedBy: admin.username })
    t.ok(saved.json().days.some((d: Day) => d.date === '2027-02-12' && d.kind === 'day_off'))

    // Thursday 4/2 (1), Monday 15/2 (2), Tuesday 16/2 (3).
    t.equal((await deadline('2027-02-03T10:00:00+07:00', 3)).dueDate, '2027-02-16')
    t.equal(await specificDue(), '2027-02-16T16:59:59.000Z', 'the incident’s step deadline follows')
    t.equal(await stored(), '2027-02-16T16:59:59.000Z', 'and so does the next-step deadline stored on it')

    const [event] = await inScope(app.database.db, systemScope, (tx) =>
      tx
        .select()
        .from(auditEvents)
        .where(and(eq(auditEvents.action, 'calendar_year.update'), eq(auditEvents.resourceId, '2027'))),
    )
    t.ok(event, 'audited')
    t.match(event?.details, { added: ['2027-02-12', '2027-02-20'], removed: [], incidentsRescheduled: 1 })
    const listed = (await get('/v1/calendar/years')).json<{ items: { year: number; source: string }[] }>().items
    t.equal(listed.find((y) => y.year === 2027)?.source, 'admin')
  })

  t.test('a reference reload leaves the administrator’s year alone', async (t) => {
    const corrected = (await get('/v1/calendar/years/2027')).json()
    const reference = (await get('/v1/calendar/years/2026')).json()
    await app.database.db.transaction((tx) => applyHolidaysReference(tx, loadHolidays().data))
    t.same((await get('/v1/calendar/years/2027')).json(), corrected, 'the corrected year is kept')
    const reloaded = (await get('/v1/calendar/years/2026')).json()
    t.equal(reloaded.version, reference.version + 1, 'a reference year is reapplied')
    t.same(reloaded.days, reference.days)
  })

  t.test('adding a year takes it out of calendarMissing', async (t) => {
    const added = await put(2028, fixedHolidays(2028))
    t.equal(added.statusCode, 200, added.body)
    t.equal(added.json().version, 1)
    t.match(await deadline('2027-12-28T10:00:00+07:00', 5), { calendarMissing: false, missingYears: [] })
  })
})
