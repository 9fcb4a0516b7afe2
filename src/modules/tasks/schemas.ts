import Type, { type TSchema } from 'typebox'
import { PaginationQuery, Timestamp } from '../../platform/schemas.js'
import { taskSources } from './sources.js'

const TaskSchema = Type.Object(
  {
    kind: Type.Enum(
      taskSources.map((source) => source.kind),
      {
        description: taskSources.map((source) => `${source.kind}: ${source.description}`).join('; '),
      },
    ),
    id: Type.String({
      format: 'uuid',
      description:
        'the record the task is about: the case for a case step, the follow-up for a follow-up or a plan action, the referral',
    }),
    subject: Type.String({
      description:
        'what is to be done, as a code: the case step, the kind of follow-up, the plan action’s key, the referral’s urgency',
    }),
    label: Type.String({ description: 'a short label; never a name, a note or a narrative' }),
    dueAt: Timestamp(),
    overdue: Type.Boolean({ description: 'the due instant has passed' }),
    incidentId: Type.String({ format: 'uuid' }),
    wardCode: Type.String(),
    link: Type.String({ description: 'the path of the resource to act on' }),
  },
  { $id: 'Task', additionalProperties: false },
)

export const TaskPageSchema = Type.Object(
  {
    items: Type.Array(Type.Ref('Task')),
    nextCursor: Type.Union([Type.String(), Type.Null()], {
      description: 'pass as ?cursor= for the next page; null at the end',
    }),
    asOf: Timestamp({ description: 'the instant `overdue` was judged at' }),
  },
  { $id: 'TaskPage', additionalProperties: false },
)

export const TaskQuery = Type.Object({ ...PaginationQuery }, { additionalProperties: false })

export const taskSchemas: TSchema[] = [TaskSchema, TaskPageSchema]
