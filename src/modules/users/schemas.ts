import Type from 'typebox'
import { PaginationQuery, Page, Timestamp } from '../../platform/schemas.js'
import { UnitCode } from '../units/schemas.js'

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()])

const Username = Type.String({
  pattern: '^[a-z0-9._-]{3,64}$',
  description: 'lower-case letters, digits, dot, dash, underscore; 3–64',
})
const RoleCode = Type.String({
  pattern: '^[a-z_]{2,40}$',
  description: 'a role code, e.g. ward_officer (see GET /v1/roles)',
})
const Units = Type.Array(UnitCode, {
  minItems: 1,
  maxItems: 50,
  uniqueItems: true,
  description: 'the units this account works for',
})
const Grants = Type.Array(Type.String({ pattern: '^[a-z]+:[a-z]+$' }), {
  maxItems: 10,
  uniqueItems: true,
  description: "extra permissions from the role's grantable list",
})
const Password = Type.String({
  minLength: 1,
  maxLength: 256,
  description: 'checked against the password policy; never returned',
})

export const UserSchema = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    username: Type.String(),
    displayName: Type.String(),
    role: Type.String(),
    units: Type.Array(Type.String()),
    grants: Type.Array(Type.String()),
    active: Type.Boolean(),
    externalSubject: Nullable(Type.String()),
    hasPassword: Type.Boolean(),
    version: Type.Integer(),
    createdAt: Timestamp(),
    updatedAt: Timestamp(),
  },
  { $id: 'User', additionalProperties: false },
)

export const UserPageSchema = Page(Type.Ref('User'), 'UserPage')

export const CreateUserBody = Type.Object(
  {
    username: Username,
    displayName: Type.String({ minLength: 1, maxLength: 200 }),
    role: RoleCode,
    units: Units,
    grants: Type.Optional(Grants),
    password: Type.Optional(Password),
    externalSubject: Type.Optional(
      Type.String({ minLength: 1, maxLength: 256, description: 'subject at the trusted external issuer' }),
    ),
    active: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
)

export const UpdateUserBody = Type.Object(
  {
    displayName: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    role: Type.Optional(RoleCode),
    units: Type.Optional(Units),
    grants: Type.Optional(Grants),
    password: Type.Optional(Password),
    externalSubject: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 256 }))),
    active: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, minProperties: 1 },
)

export const ListUsersQuery = Type.Object(
  {
    role: Type.Optional(RoleCode),
    unit: Type.Optional(UnitCode),
    active: Type.Optional(Type.Boolean()),
    ...PaginationQuery,
  },
  { additionalProperties: false },
)

export const IdParams = Type.Object({ id: Type.String({ format: 'uuid' }) }, { additionalProperties: false })

export const ClientSchema = Type.Object(
  {
    id: Type.String({ format: 'uuid', description: 'the client_id' }),
    name: Type.String(),
    role: Type.String(),
    units: Type.Array(Type.String()),
    active: Type.Boolean(),
    version: Type.Integer(),
    createdAt: Timestamp(),
    revokedAt: Nullable(Timestamp()),
  },
  { $id: 'Client', additionalProperties: false },
)

export const CreatedClientSchema = Type.Object(
  {
    client: Type.Ref('Client'),
    clientSecret: Type.Union([Type.String(), Type.Null()], {
      description:
        'shown once; only a hash is kept. null when an Idempotency-Key replay answers: the secret is not shown again',
    }),
  },
  { $id: 'CreatedClient', additionalProperties: false },
)

export const ClientPageSchema = Page(Type.Ref('Client'), 'ClientPage')

export const ListClientsQuery = Type.Object({ ...PaginationQuery }, { additionalProperties: false })

export const CreateClientBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    role: RoleCode,
    units: Units,
  },
  { additionalProperties: false },
)

export const MeSchema = Type.Object(
  {
    kind: Type.Enum(['user', 'client']),
    id: Type.String(),
    name: Type.String(),
    role: Type.String(),
    permissions: Type.Array(Type.String()),
    units: Type.Array(Type.String()),
    jurisdiction: Type.Object(
      { wards: Type.Array(Type.String()), residentialGroups: Type.Array(Type.String()) },
      { additionalProperties: false },
    ),
  },
  { $id: 'Me', additionalProperties: false },
)

const RoleSchema = Type.Object(
  {
    code: Type.String(),
    nameVi: Type.String(),
    nameEn: Type.String(),
    kind: Type.Enum(['person', 'machine']),
    permissions: Type.Array(Type.String()),
    grantable: Type.Array(Type.String()),
  },
  { $id: 'Role', additionalProperties: false },
)

export const RoleListSchema = Type.Object(
  { items: Type.Array(Type.Ref('Role')), nextCursor: Type.Null() },
  { $id: 'RoleList', additionalProperties: false },
)

export const TokenRequestBody = Type.Object(
  {
    grant_type: Type.Enum(['password', 'client_credentials', 'refresh_token']),
    username: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    password: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    client_id: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    client_secret: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    refresh_token: Type.Optional(
      Type.String({ minLength: 1, maxLength: 128, description: 'for grant_type=refresh_token: the latest one issued' }),
    ),
    scope: Type.Optional(
      Type.String({ maxLength: 512, description: 'accepted and ignored: permissions come from the role' }),
    ),
  },
  { additionalProperties: false },
)

export const TokenResponseSchema = Type.Object(
  {
    access_token: Type.String(),
    token_type: Type.Literal('Bearer'),
    expires_in: Type.Integer({ description: 'seconds' }),
    refresh_token: Type.Optional(
      Type.String({
        description:
          'people only (password and refresh_token grants): exchange it once, with grant_type=refresh_token, for a new ' +
          'access token and a new refresh token; presented a second time, it ends the session (someone else has a copy)',
      }),
    ),
  },
  { $id: 'TokenResponse', additionalProperties: false },
)

export const RevokeTokenBody = Type.Object(
  {
    token: Type.String({ minLength: 1, maxLength: 4096, description: 'a refresh token, or an access token' }),
    token_type_hint: Type.Optional(
      Type.String({ maxLength: 64, description: 'refresh_token or access_token; ignored, as RFC 7009 allows' }),
    ),
    client_id: Type.Optional(
      Type.String({ maxLength: 64, description: 'sent by OAuth libraries; ignored (public clients)' }),
    ),
    client_secret: Type.Optional(Type.String({ maxLength: 256, description: 'ignored' })),
  },
  { additionalProperties: false },
)

export const ChangePasswordBody = Type.Object(
  {
    currentPassword: Type.String({ minLength: 1, maxLength: 256 }),
    newPassword: Type.String({ minLength: 1, maxLength: 256, description: 'the password policy applies' }),
  },
  { additionalProperties: false },
)

export const AuthorizationServerMetadataSchema = Type.Object(
  {
    issuer: Type.String(),
    token_endpoint: Type.String({ format: 'uri' }),
    revocation_endpoint: Type.String({ format: 'uri' }),
    jwks_uri: Type.String({ format: 'uri' }),
    grant_types_supported: Type.Array(Type.String()),
    token_endpoint_auth_methods_supported: Type.Array(Type.String()),
    revocation_endpoint_auth_methods_supported: Type.Array(Type.String()),
    response_types_supported: Type.Array(Type.String()),
    service_documentation: Type.String({ format: 'uri' }),
  },
  { $id: 'AuthorizationServerMetadata', additionalProperties: false },
)

export const JwksSchema = Type.Object(
  { keys: Type.Array(Type.Object({ kty: Type.String(), kid: Type.String() }, { additionalProperties: true })) },
  { $id: 'Jwks', additionalProperties: false },
)

export const userSchemas = [
  UserSchema,
  UserPageSchema,
  ClientSchema,
  CreatedClientSchema,
  ClientPageSchema,
  MeSchema,
  RoleSchema,
  RoleListSchema,
  TokenResponseSchema,
  AuthorizationServerMetadataSchema,
  JwksSchema,
]
