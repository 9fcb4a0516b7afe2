import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { requiredVersion, sendWithEtag } from '../../platform/concurrency.js'
import { problemResponses, ref } from '../../platform/schemas.js'
import { toClient, toUser } from './repository.js'
import {
  ChangePasswordBody,
  ClientPageSchema,
  ClientSchema,
  CreateClientBody,
  CreatedClientSchema,
  CreateUserBody,
  IdParams,
  ListClientsQuery,
  ListUsersQuery,
  MeSchema,
  RoleListSchema,
  UpdateUserBody,
  UserPageSchema,
  UserSchema,
} from './schemas.js'
import {
  changeUser,
  clientPage,
  createClient,
  createUser,
  describeCaller,
  readClient,
  readUser,
  revokeClientAccess,
  roleList,
  toCreatedClient,
  userPage,
} from './service.js'
import { changeOwnPassword } from './session-service.js'

export default async function userRoutes(app: FastifyInstance) {
  const route = app.withTypeProvider<TypeBoxTypeProvider>()

  route.get(
    '/v1/me',
    {
      config: { permission: 'authenticated' },
      schema: {
        operationId: 'getCurrentPrincipal',
        tags: ['users'],
        summary: 'Who the token belongs to: role, permissions, units and jurisdiction, as of now',
        response: { 200: ref(MeSchema, 'The caller'), ...problemResponses(401) },
      },
    },
    async (request) => describeCaller(request),
  )

  route.post(
    '/v1/me/password',
    {
      config: {
        permission: 'authenticated',
        rateLimit: { max: app.config.auth.loginRateLimitMax, timeWindow: 60_000 },
      },
      schema: {
        operationId: 'changeOwnPassword',
        tags: ['users'],
        summary: 'Change your own password (any person’s role); your other sign-in sessions end',
        description:
          'The current password is required (400 wrong_password, audited as a failure); the new one must meet the ' +
          'password policy and differ from it (422 invalid_password). Every other session of yours ends: their refresh ' +
          'tokens and access tokens stop working. The session you act in stays. A machine client has no password ' +
          '(403 not_a_person); an account that signs in through an identity provider has none here (409 no_local_password).',
        body: ChangePasswordBody,
        response: {
          204: { description: 'Changed', type: 'null' },
          ...problemResponses(400, 401, 403, 409, 422, 429),
        },
      },
    },
    async (request, reply) => {
      await changeOwnPassword(request, request.body)
      return reply.code(204).send(null)
    },
  )

  route.get(
    '/v1/roles',
    {
      config: { permission: 'authenticated' },
      schema: {
        operationId: 'listRoles',
        tags: ['users'],
        summary: 'Roles and the permissions each holds',
        response: { 200: ref(RoleListSchema, 'Every role'), ...problemResponses(401) },
      },
    },
    async () => roleList(app.database.db),
  )

  route.post(
    '/v1/users',
    {
      config: { permission: 'users:manage', location: true, idempotent: true },
      schema: {
        operationId: 'createUser',
        tags: ['users'],
        summary: 'Create a user account',
        description:
          'Passwords must meet the policy (minimum length, not containing the username, not a common password); ' +
          'they are stored as argon2id hashes and never returned. Accepts Idempotency-Key.',
        body: CreateUserBody,
        response: { 201: ref(UserSchema, 'The new account'), ...problemResponses(400, 401, 403, 409, 422) },
      },
    },
    async (request, reply) => {
      const row = await createUser(request, request.body)
      reply.code(201).header('location', `/v1/users/${row.id}`)
      return sendWithEtag(reply, row.version, toUser(row))
    },
  )

  route.get(
    '/v1/users',
    {
      config: { permission: 'users:manage' },
      schema: {
        operationId: 'listUsers',
        tags: ['users'],
        summary: 'List user accounts',
        querystring: ListUsersQuery,
        response: { 200: ref(UserPageSchema, 'A page of accounts, by username'), ...problemResponses(400, 401, 403) },
      },
    },
    async (request) => userPage(app.database.db, request.query),
  )

  route.get(
    '/v1/users/:id',
    {
      config: { permission: 'users:manage' },
      schema: {
        operationId: 'getUser',
        tags: ['users'],
        summary: 'Get a user account',
        params: IdParams,
        response: {
          200: ref(UserSchema, 'The account; ETag carries its version'),
          ...problemResponses(400, 401, 403, 404),
        },
      },
    },
    async (request, reply) => {
      const row = await readUser(app.database.db, request.params.id)
      return sendWithEtag(reply, row.version, toUser(row))
    },
  )

  route.patch(
    '/v1/users/:id',
    {
      config: { permission: 'users:manage' },
      schema: {
        operationId: 'updateUser',
        tags: ['users'],
        summary: 'Change a user account (role, units, active, password…)',
        description:
          'Needs If-Match with the current ETag. A deactivated account, or one moved to other units, loses its ' +
          'access within seconds, even with a token that has not expired.',
        params: IdParams,
        body: UpdateUserBody,
        response: {
          200: ref(UserSchema, 'The changed account'),
          ...problemResponses(400, 401, 403, 404, 409, 412, 422, 428),
        },
      },
    },
    async (request, reply) => {
      const expectedVersion = requiredVersion(request)
      const row = await changeUser(request, request.params.id, request.body, expectedVersion)
      return sendWithEtag(reply, row.version, toUser(row))
    },
  )

  route.post(
    '/v1/clients',
    {
      config: {
        etag: true,
        location: true,
        permission: 'clients:manage',
        idempotent: { replayBody: (client) => ({ client, clientSecret: null }) },
      },
      schema: {
        operationId: 'createClient',
        tags: ['users'],
        summary: 'Register a machine client (client_credentials); the secret is shown once',
        body: CreateClientBody,
        response: {
          201: ref(CreatedClientSchema, 'The client and its secret'),
          ...problemResponses(400, 401, 403, 422),
        },
      },
    },
    async (request, reply) => {
      const { row, secret } = await createClient(request, request.body)
      reply.code(201).header('location', `/v1/clients/${row.id}`).header('cache-control', 'no-store')
      return sendWithEtag(reply, row.version, toCreatedClient(row, secret))
    },
  )

  route.get(
    '/v1/clients',
    {
      config: { permission: 'clients:manage' },
      schema: {
        operationId: 'listClients',
        tags: ['users'],
        summary: 'List machine clients',
        querystring: ListClientsQuery,
        response: { 200: ref(ClientPageSchema, 'A page of clients'), ...problemResponses(400, 401, 403) },
      },
    },
    async (request) => clientPage(app.database.db, request.query),
  )

  route.get(
    '/v1/clients/:id',
    {
      config: { permission: 'clients:manage' },
      schema: {
        operationId: 'getClient',
        tags: ['users'],
        summary: 'Get a machine client',
        params: IdParams,
        response: { 200: ref(ClientSchema, 'The client'), ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const row = await readClient(app.database.db, request.params.id)
      return sendWithEtag(reply, row.version, toClient(row))
    },
  )

  route.delete(
    '/v1/clients/:id',
    {
      config: { permission: 'clients:manage' },
      schema: {
        operationId: 'revokeClient',
        tags: ['users'],
        summary: 'Revoke a machine client; its tokens stop working within seconds',
        params: IdParams,
        response: { 204: { description: 'Revoked', type: 'null' }, ...problemResponses(400, 401, 403, 404, 412, 428) },
      },
    },
    async (request, reply) => {
      const expectedVersion = requiredVersion(request)
      await revokeClientAccess(request, request.params.id, expectedVersion)
      return reply.code(204).send(null)
    },
  )
}
