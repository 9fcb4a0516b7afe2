import Type, { type TSchema } from 'typebox'
import { IsoDate, PaginationQuery, Page, Timestamp } from '../../platform/schemas.js'
import { ChildFilters } from '../children/schemas.js'
import { UnitCode } from '../units/schemas.js'
import { povertyStatuses } from './tables.js'

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()])

const MemberInput = Type.Object(
  {
    id: Type.Optional(Type.String({ format: 'uuid', description: 'kept when given; generated for new members' })),
    fullName: Type.String({ minLength: 1, maxLength: 200 }),
    birthYear: Type.Optional(Nullable(Type.Integer({ minimum: 1900, maximum: 2100 }))),
    sex: Type.Optional(Type.Enum(['male', 'female', 'unknown'])),
    relationship: Type.String({
      minLength: 1,
      maxLength: 50,
      description: 'to the head of household, e.g. head, spouse, child, grandparent',
    }),
  },
  { additionalProperties: false },
)

const MemberSchema = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    fullName: Type.String(),
    birthYear: Nullable(Type.Integer()),
    sex: Type.Enum(['male', 'female', 'unknown']),
    relationship: Type.String(),
  },
  { additionalProperties: false },
)

export const HouseholdSchema = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    headName: Type.String(),
    address: Type.Object(
      {
        provinceCode: Type.String(),
        wardCode: Type.String(),
        residentialGroupCode: Nullable(Type.String()),
        streetAddress: Nullable(Type.String()),
      },
      { additionalProperties: false },
    ),
    poverty: Type.Object(
      { status: Type.Enum([...povertyStatuses]), from: Nullable(IsoDate()), to: Nullable(IsoDate()) },
      { additionalProperties: false, description: 'hộ nghèo / cận nghèo status and the dates it applies' },
    ),
    members: Type.Array(MemberSchema),
    children: Type.Optional(
      Type.Array(
        Type.Object(
          {
            id: Type.String({ format: 'uuid' }),
            fullName: Type.String(),
            dateOfBirth: Nullable(IsoDate()),
            birthYear: Nullable(Type.Integer()),
            sex: Type.String(),
            relationshipToHead: Nullable(Type.String()),
          },
          { additionalProperties: false },
        ),
        { description: 'on GET by id: the children registered in this household' },
      ),
    ),
    version: Type.Integer(),
    createdAt: Timestamp(),
    updatedAt: Timestamp(),
  },
  { $id: 'Household', additionalProperties: false },
)

export const HouseholdPageSchema = Page(Type.Ref('Household'), 'HouseholdPage')

const householdInput = {
  headName: Type.String({ minLength: 1, maxLength: 200 }),
  address: Type.Object(
    {
      wardCode: UnitCode,
      residentialGroupCode: Type.Optional(Nullable(UnitCode)),
      streetAddress: Type.Optional(Nullable(Type.String({ maxLength: 300 }))),
    },
    { additionalProperties: false },
  ),
  poverty: Type.Optional(
    Type.Object(
      {
        status: Type.Enum([...povertyStatuses]),
        from: Type.Optional(Nullable(IsoDate())),
        to: Type.Optional(Nullable(IsoDate())),
      },
      { additionalProperties: false },
    ),
  ),
  members: Type.Optional(Type.Array(MemberInput, { maxItems: 30 })),
}

export const CreateHouseholdBody = Type.Object(
  {
    ...householdInput,
    source: Type.Optional(Type.String({ minLength: 1, maxLength: 50 })),
    externalId: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  },
  { additionalProperties: false },
)

export const UpdateHouseholdBody = Type.Object(
  {
    headName: Type.Optional(householdInput.headName),
    address: Type.Optional(householdInput.address),
    poverty: householdInput.poverty,
    members: householdInput.members,
  },
  { additionalProperties: false, minProperties: 1 },
)

export const ListHouseholdsQuery = Type.Object(
  {
    unit: Type.Optional(UnitCode),
    residentialGroup: Type.Optional(UnitCode),
    poverty: Type.Optional(Type.Enum([...povertyStatuses])),
    q: Type.Optional(
      Type.String({ minLength: 2, maxLength: 100, description: 'head of household name, diacritics ignored' }),
    ),
    ...PaginationQuery,
  },
  { additionalProperties: false },
)

// The book is read by household, never by a child's name: the registry export's filters but its name search.
const { q: _nameSearch, ...childBookFilters } = ChildFilters

export const ChildBookQuery = Type.Object(
  { ...childBookFilters, format: Type.Enum(['csv', 'xlsx']) },
  { additionalProperties: false },
)

export const HouseholdParams = Type.Object({ id: Type.String({ format: 'uuid' }) }, { additionalProperties: false })

export const householdSchemas = [HouseholdSchema, HouseholdPageSchema]
