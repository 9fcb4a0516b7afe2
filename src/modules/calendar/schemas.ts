import Type from 'typebox'
import { IsoDate } from '../../platform/schemas.js'

const CalendarDaySchema = Type.Object(
  {
    date: IsoDate(),
    kind: Type.Enum(['holiday', 'working_day'], {
      description: 'holiday: a day off; working_day: a weekend day worked in exchange for a swapped day off',
    }),
    nameVi: Type.String(),
    nameEn: Type.String(),
    confirmed: Type.Boolean(),
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
  },
  { $id: 'Deadline', additionalProperties: false },
)

export const calendarSchemas = [CalendarDaySchema, CalendarDayListSchema, DeadlineSchema]
