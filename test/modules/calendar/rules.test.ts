import t from 'tap'
import {
  addWorkingDays,
  endOfLocalDay,
  isWithinDueDate,
  isWorkingDay,
  localDateOf,
  toLocalIso,
  workingDaysDeadline,
  type WorkingCalendar,
} from '../../../src/modules/calendar/rules.js'
import { loadHolidays } from '../../../src/reference/index.js'

const days = loadHolidays().data.days
const calendar: WorkingCalendar = {
  holidays: new Set(days.filter((d) => d.kind === 'holiday').map((d) => d.date)),
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
