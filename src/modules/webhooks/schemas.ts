import Type, { type TSchema } from 'typebox'
import { Page, PaginationQuery, Timestamp } from '../../platform/schemas.js'
import { UnitCode } from '../units/schemas.js'
import { ageGroups, eventTypes } from './rules.js'
import { deliveryStates } from './tables.js'

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()])

const EventTypeSchema = Type.Enum([...eventTypes], {
  description: 'an event type; see docs/webhooks.md for what each carries',
})

const EventSchema = Type.Object(
  {
    id: Type.String({
      format: 'uuid',
      description: 'the event’s id: the same in the feed and in every delivery, for deduplication',
    }),
    type: EventTypeSchema,
    occurredAt: Timestamp(),
    unit: Type.Object(
      {
        provinceCode: Type.String(),
        wardCode: Type.String(),
        residentialGroupCode: Nullable(Type.String({ description: 'null for readers who may not see individuals' })),
      },
      { additionalProperties: false },
    ),
    resource: Type.Object(
      {
        type: Type.String({ description: 'child, incident, report, assessment or import' }),
        id: Nullable(
          Type.String({ description: 'null when the id alone would point at a child the reader may not see' }),
        ),
      },
      { additionalProperties: false },
    ),
    data: Type.Object(
      {},
      {
        additionalProperties: true,
        description:
          'What happened, cut to the reader’s role: names, ID numbers and dates of birth only with registry:read and ' +
          'registry:statutory (a partner agency gets the anonymous view); an update of sensitive fields only is not sent without ' +
          'registry:sensitive; ' +
          'narratives and the children’s identities only with incidents:sensitive; without registry:read, ward, sex and age group ' +
          `(${ageGroups.join(', ')}). City systems get no event about one child or one incident: incidents.daily counts a ward’s ` +
          'incidents of a closed day by kind, small counts withheld. Fields per type are listed in docs/webhooks.md.',
      },
    ),
    cursor: Type.String({ description: 'pass as ?after= to read on from this event' }),
  },
  { $id: 'Event', additionalProperties: false },
)

export const EventFeedSchema = Type.Object(
  {
    items: Type.Array(Type.Ref('Event')),
    nextCursor: Type.String({
      description: 'pass as ?after= to read on; the same value comes back when nothing new has happened',
    }),
  },
  { $id: 'EventFeed', additionalProperties: false },
)

export const EventFeedQuery = Type.Object(
  {
    after: Type.Optional(
      Type.String({
        maxLength: 512,
        description: 'a cursor from a previous page or event; from the beginning when absent',
      }),
    ),
    types: Type.Optional(
      Type.String({
        maxLength: 1000,
        pattern: '^[a-z_.]+(,[a-z_.]+)*$',
        description: 'comma-separated event types to keep, e.g. incident.created,report.submitted',
      }),
    ),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 100 })),
  },
  { additionalProperties: false },
)

export const WebhookSchema = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    url: Type.String({ format: 'uri' }),
    eventTypes: Type.Array(EventTypeSchema),
    units: Type.Array(Type.String(), { description: 'events of these units (and the units below them) are delivered' }),
    owner: Type.Object(
      {
        kind: Type.Enum(['client', 'user']),
        id: Type.String({
          description: 'the machine client or user whose role and units decide what each payload carries',
        }),
      },
      { additionalProperties: false },
    ),
    active: Type.Boolean(),
    previousSecretValidUntil: Nullable(
      Timestamp({
        description:
          'after a rotation (rotateWebhookSecret): until when the secret it replaced still signs each delivery beside the new one',
      }),
    ),
    formerSignature: Nullable(
      Type.Enum(['current', 'previous'], {
        description:
          'for a subscription made before Standard Webhooks signatures: which secret also signs the former way (v1=<hex>) ' +
          'for a receiver not yet moved to the standard signature: the current one, or the previous one until ' +
          'previousSecretValidUntil; null for a subscription made since, or after a second rotation',
      }),
    ),
    version: Type.Integer(),
    createdAt: Timestamp(),
    createdBy: Nullable(Type.String()),
  },
  { $id: 'Webhook', additionalProperties: false },
)

export const CreatedWebhookSchema = Type.Object(
  {
    webhook: Type.Ref('Webhook'),
    secret: Type.Union([Type.String(), Type.Null()], {
      description:
        'the signing secret (whsec_ and base64, as Standard Webhooks verifiers expect), shown once: keep it to verify ' +
        'webhook-signature. null when an Idempotency-Key replay answers: the secret is not shown again',
    }),
  },
  { $id: 'CreatedWebhook', additionalProperties: false },
)

export const WebhookPageSchema = Page(Type.Ref('Webhook'), 'WebhookPage')

export const CreateWebhookBody = Type.Object(
  {
    url: Type.String({
      minLength: 1,
      maxLength: 2048,
      description:
        'an https URL whose host resolves to public addresses only (or is allow-listed by the operator); redirects are not followed',
    }),
    eventTypes: Type.Array(EventTypeSchema, {
      minItems: 1,
      maxItems: eventTypes.length,
      uniqueItems: true,
      description:
        'each a type the owner’s role receives (422 type_not_for_owner otherwise): a city system gets no child.* or incident.* ' +
        'event and may subscribe to incidents.daily, which only city systems receive',
    }),
    units: Type.Optional(
      Type.Array(UnitCode, {
        minItems: 1,
        maxItems: 50,
        uniqueItems: true,
        description: 'within the owner’s units and yours; the owner’s units when absent',
      }),
    ),
    clientId: Type.Optional(
      Type.String({ format: 'uuid', description: 'the machine client the subscription is for; yourself when absent' }),
    ),
  },
  { additionalProperties: false },
)

export const WebhookParams = Type.Object({ id: Type.String({ format: 'uuid' }) }, { additionalProperties: false })

export const ListWebhooksQuery = Type.Object({ ...PaginationQuery }, { additionalProperties: false })

const DeliveryId = Type.String({ pattern: '^[1-9][0-9]{0,17}$', description: 'a delivery attempt’s id' })

const DeliverySchema = Type.Object(
  {
    id: DeliveryId,
    eventId: Type.String({ format: 'uuid', description: 'the Webhook-Id the receiver saw' }),
    eventType: EventTypeSchema,
    attempt: Type.Integer({ minimum: 1 }),
    state: Type.Enum([...deliveryStates], {
      description: 'succeeded; failed (will be retried); dead (no more attempts)',
    }),
    responseStatus: Nullable(Type.Integer({ description: 'the receiver’s HTTP status; null when none came' })),
    latencyMs: Nullable(Type.Integer()),
    error: Nullable(Type.String({ description: 'why the attempt failed; never the receiver’s response body' })),
    attemptedAt: Nullable(Timestamp()),
    nextAttemptAt: Nullable(Timestamp({ description: 'on the latest failed attempt: when the next one is due' })),
  },
  { $id: 'WebhookDelivery', additionalProperties: false },
)

export const DeliveryPageSchema = Page(Type.Ref('WebhookDelivery'), 'WebhookDeliveryPage')

export const ListDeliveriesQuery = Type.Object(
  { state: Type.Optional(Type.Enum([...deliveryStates])), ...PaginationQuery },
  { additionalProperties: false },
)

export const DeliveryParams = Type.Object(
  { id: Type.String({ format: 'uuid' }), deliveryId: DeliveryId },
  { additionalProperties: false },
)

export const RetryAcceptedSchema = Type.Object(
  {
    subscriptionId: Type.String({ format: 'uuid' }),
    deliveryId: DeliveryId,
    eventId: Type.String({ format: 'uuid' }),
    state: Type.Enum(['queued']),
    runAt: Timestamp(),
  },
  { $id: 'WebhookRetryAccepted', additionalProperties: false },
)

export const webhookSchemas: TSchema[] = [
  EventSchema,
  EventFeedSchema,
  WebhookSchema,
  CreatedWebhookSchema,
  WebhookPageSchema,
  DeliverySchema,
  DeliveryPageSchema,
  RetryAcceptedSchema,
]
