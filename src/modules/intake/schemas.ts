import Type, { type TSchema } from 'typebox'
import { IsoDate, Timestamp } from '../../platform/schemas.js'
import { incidentKinds, incidentSettings, sexualAbuseSubKinds, timePrecisions } from '../incidents/rules.js'
import { UnitCode } from '../units/schemas.js'

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()])
const Instant = (description: string) => Type.String({ format: 'date-time', description })

export const IntakeBody = Type.Object(
  {
    receivedAt: Instant(
      'when the hotline received the report: the 24-hour written report runs from it. Not in the future, not older than 7 days',
    ),
    kind: Type.Enum([...incidentKinds]),
    subKind: Type.Optional(Nullable(Type.Enum([...sexualAbuseSubKinds], { description: 'for sexual_abuse only' }))),
    occurredAt: Type.Optional(Instant('when it happened, as the caller said; unknown: the receipt, approximately')),
    occurredAtPrecision: Type.Optional(Type.Enum([...timePrecisions], { description: 'of occurredAt; default exact' })),
    emergency: Type.Optional(Type.Boolean()),
    address: Type.Object(
      {
        wardCode: Type.Optional({
          ...UnitCode,
          description: 'the ward, of today or (mapped to its successor) of before the 2025 reorganisation',
        }),
        residentialGroupCode: Type.Optional({
          ...UnitCode,
          description: 'the residential group (tổ dân phố): routes to its ward, and decides a ward that was split',
        }),
      },
      { additionalProperties: false, description: 'a wardCode, a residentialGroupCode, or both' },
    ),
    children: Type.Array(
      Type.Object(
        {
          fullName: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
          dateOfBirth: Type.Optional(IsoDate()),
          estimatedAgeYears: Type.Optional(Type.Integer({ minimum: 0, maximum: 17 })),
          sex: Type.Optional(Type.Enum(['male', 'female', 'unknown'])),
        },
        { additionalProperties: false, description: 'as the caller gave them; the ward links the registry child' },
      ),
      { minItems: 1, maxItems: 20 },
    ),
    narrative: Type.Optional(Type.String({ maxLength: 10_000, description: 'what the caller reported' })),
    perpetratorRelation: Type.Optional(Type.String({ maxLength: 200 })),
    setting: Type.Optional(Type.Enum([...incidentSettings])),
  },
  { additionalProperties: false },
)

export const IntakeReceiptSchema = Type.Object(
  {
    incidentId: Type.String({ format: 'uuid' }),
    wardCode: Type.String({ description: 'the ward the report was routed to' }),
    residentialGroupCode: Nullable(Type.String()),
    receivedAt: Timestamp(),
    writtenReport: Type.Object(
      {
        dueAt: Timestamp({ description: '24 hours from the receipt (or from the incident, when it is dated later)' }),
        basis: Type.Enum(['occurred', 'detected']),
      },
      { additionalProperties: false },
    ),
    createdAt: Timestamp(),
  },
  { $id: 'IntakeReceipt', additionalProperties: false },
)

export const IntakeParams = Type.Object({ id: Type.String({ format: 'uuid' }) }, { additionalProperties: false })

export const intakeSchemas = [IntakeReceiptSchema]
