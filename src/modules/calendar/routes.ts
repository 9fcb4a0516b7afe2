import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { problemResponses, ref } from '../../platform/schemas.js'
import { listCalendarDays, loadWorkingCalendar } from './repository.js'
import { addWorkingDays, localDateOf, toLocalIso, endOfLocalDay } from './rules.js'
import { CalendarDayListSchema, CalendarDaysQuery, DeadlineQuery, DeadlineSchema } from './schemas.js'

export default async function calendarRoutes(app: FastifyInstance) {
  const route = app.withTypeProvider<TypeBoxTypeProvider>()

  route.get(
    '/v1/calendar/days',
    {
      config: { permission: 'reference:read' },
      schema: {
        operationId: 'listCalendarDays',
        tags: ['calendar'],
        summary: 'Public holidays and make-up working days of a year',
        description:
          'The calendar that working-day deadlines use. Weekends are non-working unless listed as working_day.',
        querystring: CalendarDaysQuery,
        response: {
          200: ref(CalendarDayListSchema, 'The special days of the year, in date order'),
          ...problemResponses(400, 401, 403),
        },
      },
    },
    async (request) => {
      const { year } = request.query
      const days = await listCalendarDays(app.database.db, `${year}-01-01`, `${year}-12-31`)
      return { items: days, nextCursor: null }
    },
  )

  route.get(
    '/v1/calendar/deadline',
    {
      config: { permission: 'reference:read' },
      schema: {
        operationId: 'computeWorkingDayDeadline',
        tags: ['calendar'],
        summary: 'The end of the N-th working day after an instant',
        description: 'For example a support plan due within 5 working days of receiving a case (Decree 56/2017).',
        querystring: DeadlineQuery,
        response: { 200: ref(DeadlineSchema, 'The computed deadline'), ...problemResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const { from, workingDays } = request.query
      const calendar = await loadWorkingCalendar(app.database.db)
      const dueDate = addWorkingDays(localDateOf(new Date(from)), workingDays, calendar)
      return { from, workingDays, dueDate, dueAt: toLocalIso(endOfLocalDay(dueDate)) }
    },
  )
}
