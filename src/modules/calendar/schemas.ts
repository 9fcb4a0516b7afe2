import Type from 'typebox'
import { IsoDate, Timestamp } from '../../platform/schemas.js'
import { calendarDayKinds } from './tables.js'

const dayFields = {
  date: IsoDate(),
  kind: Type.Enum([...calendarDayKinds], {
    description:
      'holiday: a public holiday (Labour Code 2019 Art. 112(1)); day_off: a weekday off that is not itself a holiday ' +
      '(swapped or compensatory); working_day: a weekend day worked in exchange for a swapped day off',
  }),
  nameVi: Type.String({ minLength: 1, maxLength: 200 }),
  nameEn: Type.String({ minLength: 1, maxLength: 200 }),
  legalBasis: Type.String({
    minLength: 1,
    maxLength: 300,
    description: 'the article, decision or notice number, e.g. "Công văn 12729/VPCP-KGVX ngày 25/12/2025"',
  }),
}

const CalendarDaySchema = Type.Object(
  {
    ...dayFields,
    confirmed: Type.Boolean({ description: 'false until checked against the year’s official notice' }),
  },
  { $id: 'CalendarDay', additionalProperties: false },
)

export const CalendarDayListSchema = Type.Object(
  { items: Type.Array(Type.Ref('CalendarDay')), nextCursor: Type.Null() },
  { $id: 'CalendarDayList', additionalProperties: false },
)

export const CalendarDaysQuery = Type.Object(
  { year: Type.Integer({ minimum: 2000, maximum: 2100, description: 'calendar year' }) },
  { additionalProperties: false },
)

const yearFields = {
  year: Type.Integer(),
  source: Type.Enum(['reference', 'admin'], {
    description:
      'reference: from the service’s reference data; admin: set by an administrator (reference reloads keep it)',
  }),
  version: Type.Integer({ minimum: 1, description: 'the entity tag of the year' }),
  updatedAt: Timestamp(),
  updatedBy: Type.Union([Type.String(), Type.Null()], { description: 'the administrator who last set the year' }),
}

const CalendarYearSummarySchema = Type.Object(
  {
    ...yearFields,
    days: Type.Integer({ description: 'special days held' }),
    unconfirmed: Type.Integer({ description: 'special days not yet checked against an official notice' }),
  },
  { $id: 'CalendarYearSummary', additionalProperties: false },
)

export const CalendarYearListSchema = Type.Object(
  { items: Type.Array(Type.Ref('CalendarYearSummary')), nextCursor: Type.Null() },
  { $id: 'CalendarYearList', additionalProperties: false },
)

export const CalendarYearSchema = Type.Object(
  { ...yearFields, days: Type.Array(Type.Ref('CalendarDay')) },
  { $id: 'CalendarYear', additionalProperties: false },
)

export const CalendarYearParams = Type.Object(
  { year: Type.Integer({ minimum: 2000, maximum: 2100, description: 'calendar year' }) },
  { additionalProperties: false },
)

export const PutCalendarYearBody = Type.Object(
  {
    days: Type.Array(
      Type.Object(
        { ...dayFields, confirmed: Type.Optional(Type.Boolean({ default: true })) },
        { additionalProperties: false },
      ),
      { maxItems: 100, description: 'every holiday, day off and make-up working day of the year' },
    ),
  },
  { additionalProperties: false },
)

export const DeadlineQuery = Type.Object(
  {
    from: Type.String({ format: 'date-time', description: 'the instant the period starts, e.g. receipt of a case' }),
    workingDays: Type.Integer({ minimum: 0, maximum: 365 }),
  },
  { additionalProperties: false },
)

export const DeadlineSchema = Type.Object(
  {
    from: Type.String({ format: 'date-time' }),
    workingDays: Type.Integer(),
    dueDate: IsoDate(),
    dueAt: Type.String({ format: 'date-time', description: 'end of the due date, 23:59:59 Asia/Ho_Chi_Minh' }),
    calendarMissing: Type.Boolean({
      description:
        'true when the period runs through a year the calendar does not cover: there only weekends were skipped, ' +
        'so the date may be too early',
    }),
    missingYears: Type.Array(Type.Integer(), { description: 'the years without a calendar the period runs through' }),
  },
  { $id: 'Deadline', additionalProperties: false },
)

export const calendarSchemas = [
  CalendarDaySchema,
  CalendarDayListSchema,
  CalendarYearSummarySchema,
  CalendarYearListSchema,
  CalendarYearSchema,
  DeadlineSchema,
]
