import Type, { type TSchema } from 'typebox'
import { Page, PaginationQuery, Timestamp } from '../../platform/schemas.js'
import { UnitCode } from '../units/schemas.js'
import { calendarMissing } from '../incidents/schemas.js'
import {
  consentParties,
  declineReasons,
  providerKinds,
  referralActions,
  referralStates,
  serviceCodeList,
  urgencies,
} from './rules.js'

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()])
const Uuid = Type.String({ format: 'uuid' })
const ServiceCode = Type.Enum([...serviceCodeList], { description: 'a service code of the directory' })
const ServiceList = Type.Array(ServiceCode, { minItems: 1, maxItems: serviceCodeList.length, uniqueItems: true })

export const ProviderSchema = Type.Object(
  {
    id: Uuid,
    code: Type.String(),
    name: Type.String(),
    kind: Type.Enum([...providerKinds]),
    phone: Nullable(Type.String()),
    email: Nullable(Type.String()),
    address: Nullable(Type.String()),
    units: Type.Array(Type.String(), { description: 'the units it serves: every ward at or below each' }),
    services: Type.Array(ServiceCode),
    active: Type.Boolean({ description: 'an inactive provider takes no new referral' }),
    version: Type.Integer(),
    createdAt: Timestamp(),
    updatedAt: Timestamp(),
  },
  { $id: 'ServiceProvider', additionalProperties: false },
)

export const ProviderPageSchema = Page(Type.Ref('ServiceProvider'), 'ServiceProviderPage')

export const ProviderParams = Type.Object({ id: Uuid }, { additionalProperties: false })

export const ListProvidersQuery = Type.Object(
  {
    ...PaginationQuery,
    kind: Type.Optional(Type.Enum([...providerKinds])),
    service: Type.Optional(ServiceCode),
    ward: Type.Optional({ ...UnitCode, description: 'only providers serving this ward' }),
    active: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
)

const providerMembers = {
  name: Type.String({ minLength: 1, maxLength: 300 }),
  kind: Type.Enum([...providerKinds]),
  phone: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 50 }))),
  email: Type.Optional(Nullable(Type.String({ format: 'email', maxLength: 200 }))),
  address: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 500 }))),
  units: Type.Array(UnitCode, { minItems: 1, maxItems: 100, uniqueItems: true }),
  services: ServiceList,
  active: Type.Optional(Type.Boolean()),
}

export const CreateProviderBody = Type.Object(
  {
    code: Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-z0-9][a-z0-9-]*$', description: 'stable, unique' }),
    ...providerMembers,
  },
  { additionalProperties: false },
)

export const UpdateProviderBody = Type.Object(
  {
    name: Type.Optional(providerMembers.name),
    kind: Type.Optional(providerMembers.kind),
    phone: providerMembers.phone,
    email: providerMembers.email,
    address: providerMembers.address,
    units: Type.Optional(providerMembers.units),
    services: Type.Optional(providerMembers.services),
    active: providerMembers.active,
  },
  { additionalProperties: false, minProperties: 1 },
)

export const CreateProviderClientBody = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 200 }) },
  { additionalProperties: false },
)

const ConsentSchema = Type.Object(
  {
    parties: Type.Array(
      Type.Object(
        {
          party: Type.Enum([...consentParties]),
          givenAt: Type.String({ format: 'date-time', description: 'when this party consented' }),
        },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 2 },
    ),
  },
  {
    additionalProperties: false,
    description: 'the guardian’s consent and, from 7, the child’s own (Law on Children 2016, Art. 33)',
  },
)

const ProviderBrief = Type.Object(
  { id: Uuid, code: Type.String(), name: Type.String(), kind: Type.Enum([...providerKinds]) },
  { additionalProperties: false },
)

const answerMembers = {
  state: Type.Enum([...referralStates]),
  sentAt: Timestamp(),
  dueAt: Timestamp({ description: 'the response clock: emergency 12 h, urgent 24 h, routine 3 working days' }),
  calendarMissing,
  overdue: Type.Boolean({ description: 'still waiting for the provider’s answer past dueAt' }),
  answeredOnTime: Nullable(Type.Boolean({ description: 'null until the provider answers' })),
  respondedAt: Nullable(Timestamp()),
  declineReason: Nullable(Type.Enum([...declineReasons])),
  declineNote: Nullable(Type.String()),
  feedback: Nullable(Type.String({ description: 'what the provider did' })),
  feedbackAt: Nullable(Timestamp()),
  version: Type.Integer(),
}

/** Free text of a referral, which tells what happened to the child: the case side reads it as the case's narratives. */
const caseText = (description: string) =>
  Type.Optional({
    ...Nullable(Type.String()),
    description: `${description} Sensitive: omitted for callers without incidents:sensitive.`,
    'x-sensitive': true,
  })

export const ReferralSchema = Type.Object(
  {
    id: Uuid,
    incidentId: Uuid,
    incidentChildId: Uuid,
    wardCode: Type.String(),
    provider: ProviderBrief,
    services: Type.Array(ServiceCode),
    note: caseText('what is asked of the provider.'),
    urgency: Type.Enum([...urgencies]),
    child: Type.Object(
      {
        name: Type.Optional({
          ...Nullable(Type.String()),
          description: 'as shared with the provider. Sensitive: omitted for callers without incidents:sensitive.',
          'x-sensitive': true,
        }),
        ageYears: Nullable(Type.Integer()),
      },
      { additionalProperties: false },
    ),
    consent: Nullable(ConsentSchema),
    emergencyReason: caseText('why it was sent without consent.'),
    ...answerMembers,
    declineNote: caseText('the provider’s words on declining.'),
    feedback: caseText('what the provider did.'),
    closedAt: Nullable(Timestamp()),
    closureNote: caseText('the ward’s words on closing it.'),
    allowedActions: Type.Array(Type.Enum(['close']), { description: 'what the case side may do next' }),
    createdAt: Timestamp(),
    updatedAt: Timestamp(),
  },
  { $id: 'Referral', additionalProperties: false },
)

export const ReferralPageSchema = Page(Type.Ref('Referral'), 'ReferralPage')

/** What a provider is shown: the ask and the child's name and age, never the case. */
export const ProviderReferralSchema = Type.Object(
  {
    id: Uuid,
    referringWardCode: Type.String(),
    services: Type.Array(ServiceCode),
    note: Nullable(Type.String()),
    urgency: Type.Enum([...urgencies]),
    child: Type.Object(
      { name: Nullable(Type.String()), ageYears: Nullable(Type.Integer()) },
      { additionalProperties: false },
    ),
    basis: Type.Enum(['consent', 'emergency'], {
      description: 'consent given, or sent without it for the emergency reason the ward recorded',
    }),
    ...answerMembers,
    allowedActions: Type.Array(Type.Enum([...referralActions.filter((action) => action !== 'close')])),
  },
  { $id: 'ProviderReferral', additionalProperties: false },
)

export const ProviderReferralPageSchema = Page(Type.Ref('ProviderReferral'), 'ProviderReferralPage')

export const ReferralParams = Type.Object({ id: Uuid }, { additionalProperties: false })

export const CreateReferralBody = Type.Object(
  {
    providerId: Uuid,
    incidentChildId: { ...Uuid, description: 'the child of the case it is for (`children[].id` of the incident)' },
    services: ServiceList,
    note: Type.Optional(Nullable(Type.String({ maxLength: 2000, description: 'the ask, as the provider reads it' }))),
    urgency: Type.Enum([...urgencies]),
    consent: Type.Optional(ConsentSchema),
    emergencyReason: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 1000,
        description: 'why the referral cannot wait for consent; required without consent',
      }),
    ),
  },
  { additionalProperties: false },
)

const referralFilters = {
  ...PaginationQuery,
  state: Type.Optional(Type.Enum([...referralStates])),
  overdue: Type.Optional(Type.Boolean()),
}

export const ListReferralsQuery = Type.Object(
  { ...referralFilters, incidentId: Type.Optional(Uuid), providerId: Type.Optional(Uuid) },
  { additionalProperties: false },
)

export const ListProviderReferralsQuery = Type.Object(referralFilters, { additionalProperties: false })

export const DeclineBody = Type.Object(
  {
    reason: Type.Enum([...declineReasons]),
    note: Type.Optional(Type.String({ minLength: 1, maxLength: 2000 })),
  },
  { additionalProperties: false },
)

export const FeedbackBody = Type.Object(
  { feedback: Type.String({ minLength: 1, maxLength: 5000, description: 'what was done for the child' }) },
  { additionalProperties: false },
)

export const CloseReferralBody = Type.Object(
  { note: Type.Optional(Type.String({ minLength: 1, maxLength: 2000 })) },
  { additionalProperties: false },
)

export const referralSchemas = [
  ProviderSchema,
  ProviderPageSchema,
  ReferralSchema,
  ReferralPageSchema,
  ProviderReferralSchema,
  ProviderReferralPageSchema,
]
