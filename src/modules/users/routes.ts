import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { isUniqueViolation } from '../../db/errors.js'
import { audit } from '../../platform/audit.js'
import { requiredVersion, sendWithEtag, staleVersion } from '../../platform/concurrency.js'
import { decodeCursor, toPage } from '../../platform/pagination.js'
import { conflict, HttpProblem, notFound, type FieldError } from '../../platform/problem.js'
import { problemResponses, ref } from '../../platform/schemas.js'
import { hashSecret, newClientSecret } from './passwords.js'
import {
  accountProblems,
  getClient,
  getUser,
  insertClient,
  insertUser,
  listClients,
  listRoles,
  listUsers,
  revokeClient,
  toClient,
  toUser,
  updateUser,
} from './repository.js'
import { passwordProblems } from './rules.js'
import {
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
import { users } from './tables.js'

function invalidAccount(errors: FieldError[]): HttpProblem {
  return new HttpProblem(
    422,
    'invalid_account',
    `The account cannot be saved: ${errors.map((e) => `${e.pointer} ${e.message}`).join('; ')}.`,
    {
      errors,
    },
  )
}

export default async function userRoutes(app: FastifyInstance) {
  const route = app.withTypeProvider<TypeBoxTypeProvider>()
  const { accounts } = app

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
    async (request) => {
      const principal = request.principal!
      return {
        kind: principal.kind === 'client' ? ('client' as const) : ('user' as const),
        id: principal.id,
        name: principal.name,
        role: principal.role,
        permissions: [...principal.permissions].sort(),
        units: [...principal.units],
        jurisdiction: { wards: [...principal.scope.wards], residentialGroups: [...principal.scope.groups] },
      }
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
    async () => ({ items: await listRoles(app.database.db), nextCursor: null }),
  )

  route.post(
    '/v1/users',
    {
      config: { permission: 'users:manage', idempotent: true },
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
      const body = request.body
      const problems = await accountProblems(app.database.db, body, 'person')
      if (body.password !== undefined) {
        for (const message of passwordProblems(body.password, {
          username: body.username,
          displayName: body.displayName,
          minLength: accounts.passwordMinLength,
        })) {
          problems.push({ location: 'body', pointer: '/password', message, code: 'weak_password' })
        }
      }
      if (problems.length > 0) throw invalidAccount(problems)
      const passwordHash = body.password === undefined ? null : await hashSecret(body.password, accounts.hashing)
      const now = app.clock.now()
      try {
        const row = await app.database.db.transaction(async (tx) => {
          const created = await insertUser(tx, {
            username: body.username,
            displayName: body.displayName,
            role: body.role,
            units: body.units,
            grants: body.grants ?? [],
            active: body.active ?? true,
            passwordHash,
            externalSubject: body.externalSubject ?? null,
            createdAt: now,
            updatedAt: now,
            createdBy: request.principal!.id,
          })
          await audit(tx, request, {
            action: 'user.create',
            resourceType: 'user',
            resourceId: created.id,
            outcome: 'success',
            details: { role: created.role, units: created.units },
          })
          return created
        })
        reply.code(201).header('location', `/v1/users/${row.id}`)
        return sendWithEtag(reply, row.version, toUser(row))
      } catch (error) {
        if (isUniqueViolation(error))
          throw conflict('username_taken', 'That username or external subject is already in use.')
        throw error
      }
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
    async (request) => {
      const { limit = 50, cursor, ...filter } = request.query
      const after = decodeCursor(cursor, ['text'])?.[0]
      const rows = await listUsers(app.database.db, {
        ...filter,
        after: after === undefined ? undefined : String(after),
        limit: limit + 1,
      })
      const page = toPage(rows, limit, (row) => [row.username])
      return { items: page.items.map(toUser), nextCursor: page.nextCursor }
    },
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
      const row = await getUser(app.database.db, request.params.id)
      if (!row) throw notFound('User', request.params.id)
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
      const { id } = request.params
      const body = request.body
      const current = await getUser(app.database.db, id)
      if (!current) throw notFound('User', id)
      const problems = await accountProblems(app.database.db, { ...body, currentRole: current.role }, 'person')
      if (body.password !== undefined) {
        for (const message of passwordProblems(body.password, {
          username: current.username,
          minLength: accounts.passwordMinLength,
        })) {
          problems.push({ location: 'body', pointer: '/password', message, code: 'weak_password' })
        }
      }
      if (problems.length > 0) throw invalidAccount(problems)
      const { password, ...changes } = body
      const values: Partial<typeof users.$inferInsert> = { ...changes }
      if (password !== undefined) values.passwordHash = await hashSecret(password, accounts.hashing)
      try {
        const row = await app.database.db.transaction(async (tx) => {
          const updated = await updateUser(tx, id, expectedVersion, values, app.clock.now())
          if (!updated) return undefined
          await audit(tx, request, {
            action: 'user.update',
            resourceType: 'user',
            resourceId: id,
            outcome: 'success',
            details: { fields: Object.keys(body).sort() },
          })
          return updated
        })
        if (!row) throw staleVersion(current.version)
        accounts.principals.invalidate('user', id)
        return sendWithEtag(reply, row.version, toUser(row))
      } catch (error) {
        if (isUniqueViolation(error)) throw conflict('username_taken', 'That external subject is already in use.')
        throw error
      }
    },
  )

  route.post(
    '/v1/clients',
    {
      config: {
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
      const body = request.body
      const problems = await accountProblems(app.database.db, body, 'machine')
      if (problems.length > 0) throw invalidAccount(problems)
      const secret = newClientSecret()
      const secretHash = await hashSecret(secret, accounts.hashing)
      const row = await app.database.db.transaction(async (tx) => {
        const created = await insertClient(tx, {
          name: body.name,
          role: body.role,
          units: body.units,
          secretHash,
          createdAt: app.clock.now(),
          createdBy: request.principal!.id,
        })
        await audit(tx, request, {
          action: 'client.create',
          resourceType: 'client',
          resourceId: created.id,
          outcome: 'success',
        })
        return created
      })
      reply.code(201).header('location', `/v1/clients/${row.id}`).header('cache-control', 'no-store')
      return sendWithEtag(reply, row.version, { client: toClient(row), clientSecret: secret })
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
    async (request) => {
      const { limit = 50, cursor } = request.query
      const after = decodeCursor(cursor, ['uuid'])?.[0]
      const rows = await listClients(app.database.db, {
        after: after === undefined ? undefined : String(after),
        limit: limit + 1,
      })
      const page = toPage(rows, limit, (row) => [row.id])
      return { items: page.items.map(toClient), nextCursor: page.nextCursor }
    },
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
      const row = await getClient(app.database.db, request.params.id)
      if (!row) throw notFound('Client', request.params.id)
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
      const { id } = request.params
      const current = await getClient(app.database.db, id)
      if (!current) throw notFound('Client', id)
      const revoked = await app.database.db.transaction(async (tx) => {
        const row = await revokeClient(tx, id, expectedVersion, app.clock.now())
        if (row)
          await audit(tx, request, {
            action: 'client.revoke',
            resourceType: 'client',
            resourceId: id,
            outcome: 'success',
          })
        return row
      })
      if (!revoked) throw staleVersion(current.version)
      accounts.principals.invalidate('client', id)
      return reply.code(204).send(null)
    },
  )
}
