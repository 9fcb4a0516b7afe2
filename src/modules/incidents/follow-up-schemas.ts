import Type, { type TSchema } from 'typebox'
import { IsoDate, PaginationQuery, Page, Timestamp } from '../../platform/schemas.js'
import { followUpKinds, followUpOutcomes, followUpStatuses } from './follow-up-rules.js'

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()])
const sensitiveNote = (what: string) =>
  Type.Optional({
    ...Nullable(Type.String()),
    description: `${what}. Sensitive: omitted for callers without incidents:sensitive.`,
    'x-sensitive': true,
  })
const NoteInput = Type.String({ minLength: 1, maxLength: 4000, description: 'sensitive: needs incidents:sensitive' })
const ReasonInput = Type.String({
  minLength: 1,
  maxLength: 500,
  description: 'why, in a few words; not sensitive: keep case details for the note',
})

export const FollowUpParams = Type.Object(
  { id: Type.String({ format: 'uuid' }), followUpId: Type.String({ format: 'uuid' }) },
  { additionalProperties: false },
)

export const FollowUpSchema = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    incidentId: Type.String({ format: 'uuid' }),
    wardCode: Type.String(),
    kind: Type.Enum([...followUpKinds]),
    dueDate: IsoDate({ description: 'the local day (Asia/Ho_Chi_Minh) it is due on' }),
    dueAt: Timestamp({ description: 'the end of the due date, 23:59:59 local time' }),
    status: Type.Enum([...followUpStatuses]),
    standing: Nullable(
      Type.Enum(['upcoming', 'due_soon', 'overdue'], {
        description:
          'while scheduled, from the clock: overdue once the due date has passed, due_soon from FOLLOW_UP_DUE_SOON_DAYS days before it; null once completed or cancelled',
      }),
    ),
    assignee: Nullable(
      Type.Object(
        { id: Type.String({ format: 'uuid' }), name: Type.String() },
        { additionalProperties: false, description: 'the officer who is to do it; null: anyone of the ward' },
      ),
    ),
    note: sensitiveNote('what to do or look for'),
    outcome: Nullable(Type.Enum([...followUpOutcomes])),
    outcomeNote: sensitiveNote('what was found'),
    completedOn: Nullable(IsoDate()),
    rescheduleCount: Type.Integer({ minimum: 0 }),
    rescheduleReason: Nullable(Type.String({ description: 'the reason of the latest rescheduling' })),
    cancelReason: Nullable(Type.String()),
    planAction: Nullable(
      Type.Object(
        {
          key: Type.String({ description: 'the action’s key in the plan (its own, or its goal and place: M1.2)' }),
          planVersion: Type.Integer({ description: 'the approved version of the plan that last set this follow-up' }),
        },
        {
          additionalProperties: false,
          description:
            'the support-plan action this follow-up was scheduled for, when the approved plan scheduled it; null for one scheduled by hand',
        },
      ),
    ),
    version: Type.Integer(),
    createdAt: Timestamp(),
    updatedAt: Timestamp(),
  },
  { $id: 'FollowUp', additionalProperties: false },
)

export const FollowUpPageSchema = Page(Type.Ref('FollowUp'), 'FollowUpPage')

export const FollowUpListQuery = Type.Object(
  { ...PaginationQuery, status: Type.Optional(Type.Enum([...followUpStatuses])) },
  { additionalProperties: false },
)

export const CreateFollowUpBody = Type.Object(
  {
    kind: Type.Enum([...followUpKinds]),
    dueDate: IsoDate({ description: 'from today, within a year' }),
    assigneeId: Type.Optional(
      Nullable(
        Type.String({
          format: 'uuid',
          description: 'an active officer whose units cover the case’s ward and who may record case work',
        }),
      ),
    ),
    note: Type.Optional(Nullable(NoteInput)),
  },
  { additionalProperties: false },
)

export const UpdateFollowUpBody = Type.Object(
  {
    assigneeId: Type.Optional(Nullable(Type.String({ format: 'uuid' }))),
    note: Type.Optional(Nullable(NoteInput)),
  },
  { additionalProperties: false, minProperties: 1 },
)

export const CompleteFollowUpBody = Type.Object(
  {
    outcome: Type.Enum([...followUpOutcomes]),
    completedOn: Type.Optional(IsoDate({ description: 'the day it took place; default today' })),
    outcomeNote: Type.Optional(Nullable(NoteInput)),
  },
  { additionalProperties: false },
)

export const RescheduleFollowUpBody = Type.Object(
  { dueDate: IsoDate({ description: 'the new due date: from today, within a year' }), reason: ReasonInput },
  { additionalProperties: false },
)

export const CancelFollowUpBody = Type.Object({ reason: ReasonInput }, { additionalProperties: false })

export const followUpSchemas: TSchema[] = [FollowUpSchema, FollowUpPageSchema]
