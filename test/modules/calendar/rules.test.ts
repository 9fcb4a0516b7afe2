import t from 'tap'
import {
  addWorkingDays,
  calendarRunsOut,
  calendarYearProblems,
  endOfLocalDay,
  isWithinDueDate,
  isWorkingDay,
  localDateOf,
  localDayNumber,
  missingCalendarYears,
  toLocalIso,
  workingDaysDeadline,
  type WorkingCalendar,
} from '../../../src/modules/calendar/rules.js'
import { loadHolidays } from '../../../src/reference/index.js'

const days = loadHolidays().data.days
const calendar: WorkingCalendar = {
  holidays: new Set(days.filter((d) => d.kind !== 'working_day').map((d) => d.date)),
  workingWeekendDays: new Set(days.filter((d) => d.kind === 'working_day').map((d) => d.date)),
}

t.test('local date in Asia/Ho_Chi_Minh', async (t) => {
  const cases: [string, string][] = [
    ['2024-05-15T16:59:59Z', '2024-05-15'],
    ['2024-05-15T17:00:00Z', '2024-05-16'],
    ['2024-05-14T17:00:00Z', '2024-05-15'],
  ]
  for (const [instant, expected] of cases) t.equal(localDateOf(new Date(instant)), expected, instant)
})

t.test('the local day as a number: one per local date, told apart at local midnight', async (t) => {
  const cases: [string, string][] = [
    ['2024-05-15T16:59:59.999Z', '2024-05-15'],
    ['2024-05-15T17:00:00Z', '2024-05-16'],
    ['1970-01-01T00:00:00Z', '1970-01-01'],
    ['1969-12-31T16:59:59Z', '1969-12-31'],
    ['2026-12-31T23:00:00Z', '2027-01-01'],
  ]
  for (const [instant, date] of cases) {
    t.equal(localDayNumber(new Date(instant)), Date.parse(date) / 86_400_000, `${instant} is ${date}`)
  }
})

t.test('a due date ends at 23:59:59 local time', async (t) => {
  t.equal(toLocalIso(endOfLocalDay('2024-05-15')), '2024-05-15T23:59:59+07:00')
  const cases: [string, boolean][] = [
    ['2024-05-15T23:59:00+07:00', true],
    ['2024-05-15T23:59:59.900+07:00', true],
    ['2024-05-16T00:00:00+07:00', false],
    ['2024-05-16T00:01:00+07:00', false],
    ['2024-05-14T08:00:00+07:00', true],
  ]
  for (const [instant, onTime] of cases) t.equal(isWithinDueDate(new Date(instant), '2024-05-15'), onTime, instant)
})

t.test('working days: weekends, holidays and make-up Saturdays', async (t) => {
  const cases: [string, boolean, string][] = [
    ['2024-06-14', true, 'an ordinary Friday'],
    ['2024-06-15', false, 'a Saturday'],
    ['2024-06-16', false, 'a Sunday'],
    ['2024-02-12', false, 'Monday inside the Tết break'],
    ['2024-04-29', false, 'the swapped Monday before 30/4'],
    ['2024-05-04', true, 'the Saturday worked in exchange'],
    ['2024-09-03', false, 'National Day adjacent day'],
  ]
  for (const [date, working, why] of cases) t.equal(isWorkingDay(date, calendar), working, `${date}: ${why}`)
})

t.test('adding working days', async (t) => {
  const cases: [string, number, string, string][] = [
    ['2024-06-10', 5, '2024-06-17', 'Monday + 5 crosses one weekend'],
    ['2024-06-14', 1, '2024-06-17', 'Friday + 1 is Monday'],
    ['2024-06-15', 1, '2024-06-17', 'from a Saturday, the first working day is Monday'],
    ['2024-02-07', 1, '2024-02-15', 'the day before Tết + 1 jumps the whole break'],
    ['2024-02-06', 5, '2024-02-20', 'five working days across Tết 2024'],
    ['2024-04-26', 3, '2024-05-04', 'across 30/4–1/5 the make-up Saturday 4/5 is the third working day'],
    ['2024-06-10', 0, '2024-06-10', 'zero days is the same day'],
  ]
  for (const [from, n, expected, why] of cases) t.equal(addWorkingDays(from, n, calendar), expected, why)
  t.throws(() => addWorkingDays('2024-06-10', -1, calendar), RangeError)
})

t.test('a deadline of N working days from an instant ends that day at 23:59:59 local', async (t) => {
  // Received on a Friday evening, local time.
  const due = workingDaysDeadline(new Date('2024-06-14T18:00:00+07:00'), 5, calendar)
  t.equal(toLocalIso(due), '2024-06-21T23:59:59+07:00')
  // Received late Friday in UTC terms but already Saturday in Hanoi.
  const dueSaturday = workingDaysDeadline(new Date('2024-06-14T17:30:00Z'), 1, calendar)
  t.equal(toLocalIso(dueSaturday), '2024-06-17T23:59:59+07:00')
})

t.test('the reference calendar, 2024–2027: each holiday, day off and swap', async (t) => {
  // [date, working?, why]: the days the law and the notices decide, checked one by one.
  const cases: [string, boolean, string][] = [
    ['2024-01-01', false, 'New Year 2024'],
    ['2024-02-08', false, 'Tết 2024 break starts (Thursday)'],
    ['2024-02-14', false, 'Tết 2024 break ends (Wednesday)'],
    ['2024-02-15', true, 'first working day after Tết 2024'],
    ['2024-04-18', false, 'Hùng Kings 2024'],
    ['2024-04-29', false, 'swapped Monday 2024'],
    ['2024-05-04', true, 'make-up Saturday 2024'],
    ['2024-09-02', false, 'National Day 2024'],
    ['2024-09-03', false, 'National Day 2024, adjacent day'],
    ['2025-01-01', false, 'New Year 2025'],
    ['2025-01-27', false, 'Tết 2025 (Monday)'],
    ['2025-01-31', false, 'Tết 2025 (Friday)'],
    ['2025-02-03', true, 'first working day after Tết 2025'],
    ['2025-04-07', false, 'Hùng Kings 2025'],
    ['2025-04-26', true, 'make-up Saturday 2025'],
    ['2025-05-02', false, 'swapped Friday 2025'],
    ['2025-09-01', false, 'National Day 2025, adjacent day'],
    ['2025-09-02', false, 'National Day 2025'],
    ['2026-01-01', false, 'New Year 2026'],
    ['2026-01-02', false, 'swapped Friday 2026 (Công văn 12729/VPCP-KGVX)'],
    ['2026-01-10', true, 'make-up Saturday 2026 (Công văn 12729/VPCP-KGVX)'],
    ['2026-02-13', true, 'the Friday before Tết 2026'],
    ['2026-02-16', false, 'Tết 2026 (Monday)'],
    ['2026-02-17', false, 'Lunar New Year’s Day 2026 (Tuesday)'],
    ['2026-02-20', false, 'Tết 2026 (Friday)'],
    ['2026-02-23', true, 'first working day after Tết 2026'],
    ['2026-04-27', false, 'Hùng Kings 2026 falls on Sunday 26/4: Monday off'],
    ['2026-04-30', false, 'Reunification Day 2026'],
    ['2026-05-01', false, 'Labour Day 2026'],
    ['2026-09-01', false, 'National Day 2026, adjacent day (unconfirmed)'],
    ['2026-09-02', false, 'National Day 2026'],
    ['2026-09-03', true, 'the day after National Day 2026'],
    ['2027-01-01', false, 'New Year 2027'],
    ['2027-02-04', true, 'the Thursday before Tết 2027'],
    ['2027-02-05', false, '30 Tết 2027'],
    ['2027-02-08', false, 'Tết 2027 (Monday)'],
    ['2027-02-10', false, 'Tết 2027 compensatory day'],
    ['2027-02-11', false, 'Tết 2027 compensatory day'],
    ['2027-02-12', true, 'first working day after Tết 2027'],
    ['2027-04-16', false, 'Hùng Kings 2027 (10/3 lunar, Friday)'],
    ['2027-04-30', false, 'Reunification Day 2027'],
    ['2027-05-03', false, 'Labour Day 2027 falls on Saturday: Monday off'],
    ['2027-09-02', false, 'National Day 2027'],
    ['2027-09-03', false, 'National Day 2027, adjacent day (unconfirmed)'],
  ]
  for (const [date, working, why] of cases) t.equal(isWorkingDay(date, calendar), working, `${date}: ${why}`)
  for (const day of days) {
    t.equal(isWorkingDay(day.date, calendar), day.kind === 'working_day', `${day.date} ${day.kind}`)
    t.ok(day.legalBasis.length > 0, `${day.date} names its legal basis`)
  }
})

t.test('each reference year is a valid calendar year', async (t) => {
  for (const year of [2024, 2025, 2026, 2027]) {
    const ofYear = days.filter((d) => d.date.startsWith(`${year}-`))
    t.same(calendarYearProblems(year, ofYear), [], `${year}`)
  }
})

t.test('deadlines across the 2026 New Year swap, Tết and the 2027 holidays', async (t) => {
  const cases: [string, number, string, string][] = [
    ['2025-12-31', 5, '2026-01-09', '2/1 off and Saturday 10/1 worked: the fifth working day is Friday 9/1'],
    ['2026-01-08', 2, '2026-01-10', 'the make-up Saturday counts'],
    ['2026-02-13', 1, '2026-02-23', 'across Tết 2026'],
    ['2026-04-24', 1, '2026-04-28', 'Monday 27/4 is off for Hùng Kings on a Sunday'],
    ['2026-08-31', 1, '2026-09-03', 'across National Day 2026'],
    ['2027-02-04', 5, '2027-02-18', 'across Tết 2027 (break 5–11/2)'],
    ['2027-02-04', 1, '2027-02-12', 'the day before the Tết 2027 break + 1'],
    ['2027-04-29', 2, '2027-05-05', 'across 30/4–1/5 2027 and the compensatory Monday'],
  ]
  for (const [from, n, expected, why] of cases) t.equal(addWorkingDays(from, n, calendar), expected, why)
})

t.test('a deadline through a year without a calendar says so', async (t) => {
  const covered: WorkingCalendar = { ...calendar, coveredYears: new Set([2024, 2025, 2026, 2027]) }
  const cases: [string, number, number[], string][] = [
    ['2027-06-01', 5, [], 'inside a covered year'],
    ['2026-12-28', 5, [], 'from one covered year into another'],
    ['2027-12-28', 5, [2028], 'runs into 2028'],
    ['2027-12-31', 0, [], 'zero days: the due date is the start, in 2027'],
    ['2028-03-01', 0, [2028], 'zero days, in 2028'],
    ['2023-12-28', 5, [2023], 'starts in 2023, which the calendar does not hold'],
    ['2029-06-01', 5, [2029], 'wholly in 2029'],
  ]
  for (const [from, n, missing, why] of cases) {
    const due = addWorkingDays(from, n, covered)
    t.same(missingCalendarYears(from, due, covered), missing, why)
  }
  t.equal(addWorkingDays('2027-12-28', 5, covered), '2028-01-04', 'weekends only in 2028')
  t.same(missingCalendarYears('2027-12-28', '2028-01-04', calendar), [], 'a calendar without coverage says nothing')
})

t.test('what an administrator may save as a year', async (t) => {
  const base = [
    { date: '2027-01-01', kind: 'holiday' as const },
    { date: '2027-04-30', kind: 'holiday' as const },
    { date: '2027-05-01', kind: 'holiday' as const },
    { date: '2027-09-02', kind: 'holiday' as const },
  ]
  const cases: [string, { date: string; kind: 'holiday' | 'day_off' | 'working_day' }[], string[]][] = [
    ['the fixed holidays alone', base, []],
    [
      'a swap: Friday off, Saturday worked',
      [...base, { date: '2027-02-12', kind: 'day_off' }, { date: '2027-02-20', kind: 'working_day' }],
      [],
    ],
    [
      'a make-up working day on a weekday',
      [...base, { date: '2027-02-19', kind: 'working_day' }],
      ['not_a_weekend_day'],
    ],
    ['a day off on a Saturday', [...base, { date: '2027-02-20', kind: 'day_off' }], ['not_a_weekday']],
    ['a date of another year', [...base, { date: '2028-01-03', kind: 'holiday' }], ['outside_year']],
    ['an impossible date', [...base, { date: '2027-02-30', kind: 'holiday' }], ['outside_year']],
    ['a date twice', [...base, { date: '2027-01-01', kind: 'holiday' }], ['duplicate_date']],
    ['National Day left out', base.slice(0, 3), ['missing_fixed_holiday']],
    [
      'Labour Day as a day off',
      [base[0]!, base[1]!, { date: '2027-05-01', kind: 'working_day' }, base[3]!],
      ['missing_fixed_holiday'],
    ],
  ]
  for (const [why, list, codes] of cases) {
    t.same(
      calendarYearProblems(2027, list).map((p) => p.code),
      codes,
      why,
    )
  }
})

t.test('the calendar runs out: a warning from 60 days before', async (t) => {
  const covered = new Set([2024, 2025, 2026, 2027])
  const cases: [string, ReadonlySet<number>, ReturnType<typeof calendarRunsOut>][] = [
    ['2026-12-03', covered, null],
    ['2027-10-31', covered, null],
    ['2027-11-01', covered, { year: 2028, coveredUntil: '2027-12-31', daysLeft: 60 }],
    ['2027-11-02', covered, { year: 2028, coveredUntil: '2027-12-31', daysLeft: 59 }],
    ['2027-12-31', covered, { year: 2028, coveredUntil: '2027-12-31', daysLeft: 0 }],
    ['2028-01-05', covered, { year: 2028, coveredUntil: '2027-12-31', daysLeft: -5 }],
    ['2025-12-20', new Set([2024, 2025, 2027]), { year: 2026, coveredUntil: '2025-12-31', daysLeft: 11 }],
    ['2026-03-01', new Set<number>(), { year: 2026, coveredUntil: '2025-12-31', daysLeft: -60 }],
  ]
  for (const [today, years, expected] of cases) t.same(calendarRunsOut(years, today), expected, today)
})
