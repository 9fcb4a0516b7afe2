import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { problemResponses, ref } from '../../platform/schemas.js'
import { CalendarDayListSchema, CalendarDaysQuery, DeadlineQuery, DeadlineSchema } from './schemas.js'
import { calendarYear, workingDayDeadline } from './service.js'

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
    async (request) => calendarYear(app.database.db, request.query.year),
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
    async (request) => workingDayDeadline(app.database.db, request.query.from, request.query.workingDays),
  )
}
