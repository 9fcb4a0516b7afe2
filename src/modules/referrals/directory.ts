/**
 * The service directory: providers, kept by administrators, read by every officer; and the machine
 * clients a provider organisation acts through. Not personal data: plain transactions, each change
 * audited in its own.
 */
import type { FastifyRequest } from 'fastify'
import type { Static } from 'typebox'
import type { Executor } from '../../db/client.js'
import { isUniqueViolation } from '../../db/errors.js'
import { audit } from '../../platform/audit.js'
import { staleVersion } from '../../platform/concurrency.js'
import { decodeCursor, toPage } from '../../platform/pagination.js'
import { conflict, notFound, unprocessable, type FieldError } from '../../platform/problem.js'
import type { UnitNode } from '../../platform/scope.js'
import { hashSecret, newClientSecret } from '../users/passwords.js'
import { insertClient, type ClientRow } from '../users/repository.js'
import {
  bindClientToProvider,
  getProvider,
  insertProvider,
  listProviders,
  updateProvider,
  type ProviderRow,
} from './repository.js'
import { unitAndAncestors } from './rules.js'
import type { CreateProviderBody, CreateProviderClientBody, ListProvidersQuery, UpdateProviderBody } from './schemas.js'
import { toProvider } from './views.js'

/** The role a provider organisation's client is given (src/reference/roles.json). */
const providerClientRole = 'service_provider'

function unitProblems(tree: readonly UnitNode[], codes: readonly string[] | undefined): FieldError[] {
  const known = new Set(tree.map((unit) => unit.code))
  return (codes ?? []).flatMap((code, index) =>
    known.has(code)
      ? []
      : [
          {
            location: 'body' as const,
            pointer: `/units/${index}`,
            message: 'is not a known unit',
            code: 'unknown_unit',
          },
        ],
  )
}

const codeTaken = () => conflict('provider_code_taken', 'Another provider has this code.')

export async function providerPage(request: FastifyRequest, query: Static<typeof ListProvidersQuery>) {
  const { limit = 50, cursor, ward, ...filter } = query
  const after = decodeCursor(cursor, ['text', 'uuid']) as [string, string] | undefined
  const servingAnyOf = ward ? unitAndAncestors(await request.server.accounts.principals.unitTree(), ward) : undefined
  const rows = await listProviders(request.server.database.db, { ...filter, servingAnyOf }, { after, limit: limit + 1 })
  const page = toPage(rows, limit, (row) => [row.name, row.id])
  return { items: page.items.map(toProvider), nextCursor: page.nextCursor }
}

export async function readProvider(db: Executor, id: string): Promise<ProviderRow> {
  const row = await getProvider(db, id)
  if (!row) throw notFound('Provider', id)
  return row
}

export async function createProvider(
  request: FastifyRequest,
  body: Static<typeof CreateProviderBody>,
): Promise<ProviderRow> {
  const { database, clock, accounts } = request.server
  const problems = unitProblems(await accounts.principals.unitTree(), body.units)
  if (problems.length > 0) throw unprocessable('invalid_provider', 'The provider cannot be saved.', problems)
  const now = clock.now()
  try {
    return await database.db.transaction(async (tx) => {
      const row = await insertProvider(tx, {
        ...body,
        phone: body.phone ?? null,
        email: body.email ?? null,
        address: body.address ?? null,
        active: body.active ?? true,
        createdAt: now,
        createdBy: request.principal!.id,
        updatedAt: now,
        updatedBy: request.principal!.id,
      })
      await audit(tx, request, {
        action: 'provider.create',
        resourceType: 'provider',
        resourceId: row.id,
        outcome: 'success',
        details: { kind: row.kind, units: row.units, services: row.services },
      })
      return row
    })
  } catch (error) {
    if (isUniqueViolation(error, 'service_providers_code_key')) throw codeTaken()
    throw error
  }
}

export async function changeProvider(
  request: FastifyRequest,
  id: string,
  body: Static<typeof UpdateProviderBody>,
  expectedVersion: number,
): Promise<ProviderRow> {
  const { database, clock, accounts } = request.server
  const current = await readProvider(database.db, id)
  const problems = unitProblems(await accounts.principals.unitTree(), body.units)
  if (problems.length > 0) throw unprocessable('invalid_provider', 'The provider cannot be saved.', problems)
  const updated = await database.db.transaction(async (tx) => {
    const row = await updateProvider(tx, id, expectedVersion, {
      ...body,
      updatedAt: clock.now(),
      updatedBy: request.principal!.id,
    })
    if (row)
      await audit(tx, request, {
        action: 'provider.update',
        resourceType: 'provider',
        resourceId: id,
        outcome: 'success',
        details: { fields: Object.keys(body).sort() },
      })
    return row
  })
  if (!updated) throw staleVersion(current.version)
  return updated
}

/**
 * Registers the machine client a provider organisation acts through, bound to the provider. It holds
 * no unit: it reads the referrals addressed to its provider and nothing else. The secret is returned this
 * once (only a hash is kept).
 */
export async function createProviderClient(
  request: FastifyRequest,
  providerId: string,
  body: Static<typeof CreateProviderClientBody>,
): Promise<{ row: ClientRow; secret: string }> {
  const { database, clock, accounts } = request.server
  const provider = await readProvider(database.db, providerId)
  const secret = newClientSecret()
  const secretHash = await hashSecret(secret, accounts.hashing)
  const now = clock.now()
  const row = await database.db.transaction(async (tx) => {
    const created = await insertClient(tx, {
      name: body.name,
      role: providerClientRole,
      units: [],
      secretHash,
      createdAt: now,
      createdBy: request.principal!.id,
    })
    await bindClientToProvider(tx, {
      clientId: created.id,
      providerId: provider.id,
      createdAt: now,
      createdBy: request.principal!.id,
    })
    await audit(tx, request, {
      action: 'client.create',
      resourceType: 'client',
      resourceId: created.id,
      outcome: 'success',
      details: { role: providerClientRole, providerId: provider.id },
    })
    return created
  })
  return { row, secret }
}
