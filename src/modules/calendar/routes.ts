import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { optionalVersion, sendWithEtag } from '../../platform/concurrency.js'
import { problemResponses, ref } from '../../platform/schemas.js'
import {
  CalendarDayListSchema,
  CalendarDaysQuery,
  CalendarYearListSchema,
  CalendarYearParams,
  CalendarYearSchema,
  DeadlineQuery,
  DeadlineSchema,
  PutCalendarYearBody,
} from './schemas.js'
import { calendarYear, calendarYearDetail, calendarYears, putCalendarYear, workingDayDeadline } from './service.js'

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
        description:
          'For example a support plan due within 5 working days of receiving a case (Decree 56/2017). A period that runs ' +
          'through a year the calendar does not cover is counted on weekends only and answers `calendarMissing: true`.',
        querystring: DeadlineQuery,
        response: { 200: ref(DeadlineSchema, 'The computed deadline'), ...problemResponses(400, 401, 403) },
      },
    },
    async (request) => workingDayDeadline(app.database.db, request.query.from, request.query.workingDays),
  )

  route.get(
    '/v1/calendar/years',
    {
      config: { permission: 'reference:read' },
      schema: {
        operationId: 'listCalendarYears',
        tags: ['calendar'],
        summary: 'The years the working calendar covers',
        description:
          'Each covered year with its version, who set it last and how many of its days await confirmation. ' +
          'Deadlines running through a year not listed carry `calendarMissing: true`.',
        response: { 200: ref(CalendarYearListSchema, 'The covered years, in order'), ...problemResponses(401, 403) },
      },
    },
    async () => calendarYears(app.database.db),
  )

  route.get(
    '/v1/calendar/years/:year',
    {
      config: { permission: 'reference:read' },
      schema: {
        operationId: 'getCalendarYear',
        tags: ['calendar'],
        summary: 'A covered year of the calendar with its special days (ETag)',
        params: CalendarYearParams,
        response: { 200: ref(CalendarYearSchema, 'The year and its days'), ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const year = await calendarYearDetail(app.database.db, request.params.year)
      return sendWithEtag(reply, year.version, year)
    },
  )

  route.put(
    '/v1/calendar/years/:year',
    {
      config: { permission: 'catalogues:manage', ifMatch: 'to-replace' },
      schema: {
        operationId: 'putCalendarYear',
        tags: ['calendar'],
        summary: 'Add or correct a year of the calendar (If-Match required to correct)',
        description:
          'Replaces every special day of the year: holidays, days off and make-up working days, each with its legal basis. ' +
          'Adding a year takes no If-Match; correcting one requires the ETag of its version. The year becomes the ' +
          'administrator’s: reference data reloads no longer change it. Deadlines are computed from the calendar when read, ' +
          'so open cases’ step deadlines follow at once. Audited.',
        params: CalendarYearParams,
        body: PutCalendarYearBody,
        response: {
          200: ref(CalendarYearSchema, 'The year as stored'),
          ...problemResponses(400, 401, 403, 412, 422, 428),
        },
      },
    },
    async (request, reply) => {
      const expected = optionalVersion(request)
      const year = await putCalendarYear(request, request.params.year, request.body, expected)
      return sendWithEtag(reply, year.version, year)
    },
  )
}
