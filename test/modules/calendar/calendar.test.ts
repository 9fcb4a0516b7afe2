import t from 'tap'
import { createTestApp } from '../../support/app.js'
import { accountFor, wardA } from '../../support/auth.js'

t.test('calendar over HTTP', async (t) => {
  const ctx = await createTestApp(t)
  const reader = await accountFor(ctx, { role: 'ward_officer', units: [wardA] })
  const app = { inject: (options: { url: string }) => ctx.app.inject({ ...options, headers: reader.headers }) }

  t.test('holidays of 2024 include Tết and the make-up Saturday', async (t) => {
    const response = await app.inject({ url: '/v1/calendar/days?year=2024' })
    t.equal(response.statusCode, 200)
    const days = response.json().items
    t.ok(days.some((d: { date: string; kind: string }) => d.date === '2024-02-12' && d.kind === 'holiday'))
    t.ok(days.some((d: { date: string; kind: string }) => d.date === '2024-05-04' && d.kind === 'working_day'))
    t.ok(days.every((d: { date: string }) => d.date.startsWith('2024-')))
  })

  t.test('years 2025 and 2026 are covered', async (t) => {
    for (const year of [2025, 2026]) {
      const response = await app.inject({ url: `/v1/calendar/days?year=${year}` })
      t.ok(response.json().items.length >= 8, `${year}`)
    }
  })

  t.test('a 5-working-day deadline across Tết 2025', async (t) => {
    const from = encodeURIComponent('2025-01-23T10:00:00+07:00')
    const response = await app.inject({ url: `/v1/calendar/deadline?from=${from}&workingDays=5` })
    t.equal(response.statusCode, 200)
    // Thu 23/1 → Fri 24/1 (1), break 25/1–2/2, then Mon 3/2 … Thu 6/2 (5).
    t.same(response.json(), {
      from: '2025-01-23T10:00:00+07:00',
      workingDays: 5,
      dueDate: '2025-02-06',
      dueAt: '2025-02-06T23:59:59+07:00',
      calendarMissing: false,
      missingYears: [],
    })
  })

  t.test('a year is required', async (t) => {
    const response = await app.inject({ url: '/v1/calendar/days' })
    t.equal(response.statusCode, 400)
    t.equal(response.json().errors[0].pointer, '/year')
  })
})
