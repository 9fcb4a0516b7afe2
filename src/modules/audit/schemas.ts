import Type from 'typebox'
import { PaginationQuery, Page, Timestamp } from '../../platform/schemas.js'

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()])

const AuditEventSchema = Type.Object(
  {
    id: Type.Integer(),
    occurredAt: Timestamp(),
    actorType: Type.Enum(['user', 'client', 'system', 'anonymous']),
    actorId: Nullable(Type.String()),
    actorName: Nullable(Type.String()),
    role: Nullable(Type.String()),
    action: Type.String({ description: 'e.g. child.read, child.list, user.create, auth.token, access.denied' }),
    resourceType: Nullable(Type.String()),
    resourceId: Nullable(Type.String()),
    unitCode: Nullable(Type.String()),
    requestId: Nullable(Type.String()),
    outcome: Type.Enum(['success', 'denied', 'not_found', 'failure']),
    details: Nullable(Type.Object({}, { additionalProperties: true })),
    chain: Nullable(
      Type.Object(
        { position: Type.Integer(), hash: Type.String() },
        {
          additionalProperties: false,
          description: 'null until the event is sealed into the hash chain (within seconds)',
        },
      ),
    ),
  },
  { $id: 'AuditEvent', additionalProperties: false },
)

export const AuditEventPageSchema = Page(Type.Ref('AuditEvent'), 'AuditEventPage')

export const AuditQuery = Type.Object(
  {
    actor: Type.Optional(Type.String({ maxLength: 100, description: 'actor id or name' })),
    action: Type.Optional(Type.String({ maxLength: 100 })),
    resourceType: Type.Optional(Type.String({ maxLength: 50 })),
    resourceId: Type.Optional(Type.String({ maxLength: 100 })),
    from: Type.Optional(Type.String({ format: 'date-time' })),
    to: Type.Optional(Type.String({ format: 'date-time' })),
    ...PaginationQuery,
  },
  { additionalProperties: false },
)

export const AuditVerificationSchema = Type.Object(
  {
    ok: Type.Boolean(),
    checked: Type.Integer({ description: 'links verified' }),
    unsealed: Type.Integer({ description: 'events not yet linked into the chain' }),
    firstBroken: Nullable(
      Type.Object(
        {
          position: Type.Integer(),
          eventId: Nullable(Type.Integer()),
          reason: Type.Enum(['position_gap', 'link_mismatch', 'hash_mismatch', 'event_missing']),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { $id: 'AuditVerification', additionalProperties: false },
)

export const auditSchemas = [AuditEventSchema, AuditEventPageSchema, AuditVerificationSchema]
