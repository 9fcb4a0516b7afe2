/**
 * Managing accounts: people's user accounts and machine clients, as the routes call it (the account
 * machinery every request shares — keys, tokens, the principal directory — is services.ts; signing in is
 * sign-in.ts). Accounts are not personal data of the registry: the work runs in plain transactions, with
 * its audit event in the transaction of the change.
 */
import type { FastifyRequest } from 'fastify'
import type { Static } from 'typebox'
import type { Executor } from '../../db/client.js'
import { isUniqueViolation } from '../../db/errors.js'
import { audit } from '../../platform/audit.js'
import type { Principal } from '../../platform/auth.js'
import { staleVersion } from '../../platform/concurrency.js'
import { decodeCursor, toPage } from '../../platform/pagination.js'
import { conflict, HttpProblem, notFound, type FieldError } from '../../platform/problem.js'
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
  type ClientRow,
  type UserRow,
} from './repository.js'
import { passwordProblems, type PasswordContext } from './rules.js'
import { revokeSessionsOf } from './sessions.js'
import type { CreateClientBody, CreateUserBody, ListClientsQuery, ListUsersQuery, UpdateUserBody } from './schemas.js'
import type { users } from './tables.js'

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

/** The password policy's objections to a new password, as field errors at `pointer`. */
export function weakPassword(
  password: string | undefined,
  context: PasswordContext,
  pointer = '/password',
): FieldError[] {
  if (password === undefined) return []
  return passwordProblems(password, context).map((message) => ({
    location: 'body',
    pointer,
    message,
    code: 'weak_password',
  }))
}

/** The caller as GET /v1/me shows it (MeSchema). */
function toMe(principal: Principal) {
  return {
    kind: principal.kind === 'client' ? ('client' as const) : ('user' as const),
    id: principal.id,
    name: principal.name,
    role: principal.role,
    permissions: [...principal.permissions].sort(),
    units: [...principal.units],
    jurisdiction: { wards: [...principal.scope.wards], residentialGroups: [...principal.scope.groups] },
  }
}

/** Who the request acts as (GET /v1/me). */
export function describeCaller(request: FastifyRequest) {
  return toMe(request.principal!)
}

/** Every role (RoleListSchema: the whole list, never paged). */
export async function roleList(db: Executor) {
  return { items: await listRoles(db), nextCursor: null }
}

export async function createUser(request: FastifyRequest, body: Static<typeof CreateUserBody>): Promise<UserRow> {
  const { database, clock, accounts } = request.server
  const problems = await accountProblems(database.db, body, 'person')
  problems.push(
    ...weakPassword(body.password, {
      username: body.username,
      displayName: body.displayName,
      minLength: accounts.passwordMinLength,
    }),
  )
  if (problems.length > 0) throw invalidAccount(problems)
  const passwordHash = body.password === undefined ? null : await hashSecret(body.password, accounts.hashing)
  const now = clock.now()
  try {
    return await database.db.transaction(async (tx) => {
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
  } catch (error) {
    if (isUniqueViolation(error))
      throw conflict('username_taken', 'That username or external subject is already in use.')
    throw error
  }
}

export async function userPage(db: Executor, query: Static<typeof ListUsersQuery>) {
  const { limit = 50, cursor, ...filter } = query
  const after = decodeCursor(cursor, ['text'])?.[0]
  const rows = await listUsers(db, {
    ...filter,
    after: after === undefined ? undefined : String(after),
    limit: limit + 1,
  })
  const page = toPage(rows, limit, (row) => [row.username])
  return { items: page.items.map(toUser), nextCursor: page.nextCursor }
}

export async function readUser(db: Executor, id: string): Promise<UserRow> {
  const row = await getUser(db, id)
  if (!row) throw notFound('User', id)
  return row
}

/** Changes an account at `expectedVersion`; its cached principal is dropped, so the change applies at once. */
export async function changeUser(
  request: FastifyRequest,
  id: string,
  body: Static<typeof UpdateUserBody>,
  expectedVersion: number,
): Promise<UserRow> {
  const { database, clock, accounts } = request.server
  const current = await getUser(database.db, id)
  if (!current) throw notFound('User', id)
  const problems = await accountProblems(database.db, { ...body, currentRole: current.role }, 'person')
  problems.push(...weakPassword(body.password, { username: current.username, minLength: accounts.passwordMinLength }))
  if (problems.length > 0) throw invalidAccount(problems)
  const { password, ...changes } = body
  const values: Partial<typeof users.$inferInsert> = { ...changes }
  if (password !== undefined) values.passwordHash = await hashSecret(password, accounts.hashing)
  try {
    const row = await database.db.transaction(async (tx) => {
      const updated = await updateUser(tx, id, expectedVersion, values, clock.now())
      if (!updated) return undefined
      // A password set by an administrator, or a deactivation, ends every session the person had.
      const ended =
        body.active === false
          ? await revokeSessionsOf(tx, id, 'deactivated', clock.now())
          : password !== undefined
            ? await revokeSessionsOf(tx, id, 'password_reset', clock.now())
            : []
      await audit(tx, request, {
        action: 'user.update',
        resourceType: 'user',
        resourceId: id,
        outcome: 'success',
        details: { fields: Object.keys(body).sort(), ...(ended.length > 0 ? { sessionsEnded: ended.length } : {}) },
      })
      return updated
    })
    if (!row) throw staleVersion(current.version)
    accounts.principals.invalidate('user', id)
    return row
  } catch (error) {
    if (isUniqueViolation(error)) throw conflict('username_taken', 'That external subject is already in use.')
    throw error
  }
}

/** Registers a machine client; its secret is returned this once (only a hash is kept). */
export async function createClient(
  request: FastifyRequest,
  body: Static<typeof CreateClientBody>,
): Promise<{ row: ClientRow; secret: string }> {
  const { database, clock, accounts } = request.server
  const problems = await accountProblems(database.db, body, 'machine')
  if (problems.length > 0) throw invalidAccount(problems)
  const secret = newClientSecret()
  const secretHash = await hashSecret(secret, accounts.hashing)
  const row = await database.db.transaction(async (tx) => {
    const created = await insertClient(tx, {
      name: body.name,
      role: body.role,
      units: body.units,
      secretHash,
      createdAt: clock.now(),
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
  return { row, secret }
}

/** A newly registered client and its secret, as POST /v1/clients answers (CreatedClientSchema). */
export function toCreatedClient(row: ClientRow, secret: string) {
  return { client: toClient(row), clientSecret: secret }
}

export async function clientPage(db: Executor, query: Static<typeof ListClientsQuery>) {
  const { limit = 50, cursor } = query
  const after = decodeCursor(cursor, ['uuid'])?.[0]
  const rows = await listClients(db, {
    after: after === undefined ? undefined : String(after),
    limit: limit + 1,
  })
  const page = toPage(rows, limit, (row) => [row.id])
  return { items: page.items.map(toClient), nextCursor: page.nextCursor }
}

export async function readClient(db: Executor, id: string): Promise<ClientRow> {
  const row = await getClient(db, id)
  if (!row) throw notFound('Client', id)
  return row
}

/** Revokes a client at `expectedVersion`; its cached principal is dropped, so its tokens stop working at once. */
export async function revokeClientAccess(request: FastifyRequest, id: string, expectedVersion: number): Promise<void> {
  const { database, clock, accounts } = request.server
  const current = await getClient(database.db, id)
  if (!current) throw notFound('Client', id)
  const revoked = await database.db.transaction(async (tx) => {
    const row = await revokeClient(tx, id, expectedVersion, clock.now())
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
}
