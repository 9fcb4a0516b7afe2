import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { Static } from 'typebox'
import type { Tx } from '../../db/client.js'
import { audit, requestActor } from '../../platform/audit.js'
import { requiredVersion, sendWithEtag, staleVersion } from '../../platform/concurrency.js'
import { decodeCursor, encodeCursor } from '../../platform/pagination.js'
import { conflict, HttpProblem, notFound, type FieldError } from '../../platform/problem.js'
import { problemResponses, ref } from '../../platform/schemas.js'
import { inScope } from '../../platform/scope.js'
import { getHouseholdRow } from '../households/repository.js'
import { recordEvent } from '../webhooks/repository.js'
import { diffFields, sensitiveChildFields, trackedChildFields as trackedFields } from './history.js'
import {
  childIdWithPersonalId,
  ethnicityExists,
  findPossibleDuplicates,
  getChildParts,
  getChildRow,
  readChildAudited,
  insertChild,
  insertRevision,
  listChildren,
  relocateChildParts,
  updateChild,
  type ChildRow,
} from './repository.js'
import {
  foldName,
  normaliseBirth,
  normaliseGroupCode,
  personalIdWarnings,
  sensitiveGroupCodes,
  type RegistryWarning,
} from './rules.js'
import {
  ChildPageSchema,
  ChildParams,
  ChildSchema,
  CreateChildBody,
  DeleteChildQuery,
  ListChildrenQuery,
  UpdateChildBody,
} from './schemas.js'
import {
  assertSensitiveWriteAllowed,
  birthProblems,
  canSeeSensitive,
  invalid,
  toChild,
  toChildSummary,
  today,
} from './service.js'
import { addressProblems, provinceOfUnit, unitFilterScope } from '../units/tree.js'
import { isUniqueViolation } from '../../db/errors.js'
import { children } from './tables.js'

type ChildInput = Partial<Static<typeof CreateChildBody>>

/** Checks that need the database or the clock; returns field errors, never throws. */
export async function childProblems(
  app: FastifyInstance,
  tx: Tx,
  request: FastifyRequest,
  record: {
    dateOfBirth: string | null
    birthYear: number | null
    birthDatePrecision: 'exact' | 'month' | 'year'
    ethnicityCode?: string | null
    householdId?: string | null
    wardCode: string
    residentialGroupCode?: string | null
  },
  options: { checkAddress: boolean; isNew: boolean },
): Promise<FieldError[]> {
  const problems: FieldError[] = []
  const asOf = today(app)
  const scope = request.principal!.scope
  if (options.checkAddress) problems.push(...addressProblems(await app.accounts.principals.unitTree(), scope, record))
  problems.push(...birthProblems(record, asOf, options.isNew))
  if (record.ethnicityCode && !(await ethnicityExists(tx, record.ethnicityCode))) {
    problems.push({
      location: 'body',
      pointer: '/ethnicityCode',
      message: 'is not one of the 54 ethnic group codes',
      code: 'unknown_ethnicity',
    })
  }
  if (record.householdId && !(await getHouseholdRow(tx, scope, record.householdId))) {
    problems.push({
      location: 'body',
      pointer: '/householdId',
      message: 'is not a household in your units',
      code: 'unknown_household',
    })
  }
  return problems
}

function warningsFor(record: {
  personalId?: string | null
  dateOfBirth: string | null
  birthYear: number | null
  sex: 'male' | 'female' | 'unknown'
}): RegistryWarning[] {
  return record.personalId ? personalIdWarnings(record.personalId, record) : []
}

function sensitiveFieldsIn(body: ChildInput): string[] {
  return [...sensitiveChildFields].filter(
    (field) => body[field as keyof ChildInput] !== undefined && body[field as keyof ChildInput] !== null,
  )
}

export default async function childRoutes(app: FastifyInstance) {
  const route = app.withTypeProvider<TypeBoxTypeProvider>()

  route.post(
    '/v1/children',
    {
      config: {
        permission: 'registry:write',
        // A retry whose first answer was lost still learns what the first one said: its warnings and the
        // likely duplicates (found again, the child itself aside).
        idempotent: {
          replayBody: async (resource, request) => {
            const child = resource as {
              id: string
              fullName: string
              dateOfBirth: string | null
              birthYear: number | null
              sex: 'male' | 'female' | 'unknown'
              personalId?: string | null
              householdId: string | null
            }
            const scope = request.principal!.scope
            const possibleDuplicates = await inScope(app.database.db, scope, (tx) =>
              findPossibleDuplicates(tx, scope, {
                nameFolded: foldName(child.fullName),
                dateOfBirth: child.dateOfBirth,
                householdId: child.householdId,
                excludeId: child.id,
              }),
            )
            return { ...child, warnings: warningsFor(child), possibleDuplicates }
          },
        },
      },
      schema: {
        operationId: 'createChild',
        tags: ['children'],
        summary: 'Register a child',
        description:
          'A personal ID number that already belongs to a child answers 409 (with `existingId` when that child is in your units). ' +
          'A likely duplicate (same folded name and date of birth, or a very similar name in the same household) is created, ' +
          'with `possibleDuplicates`. An ID number that does not match the birth year or sex gives a warning, not a rejection. ' +
          'Accepts Idempotency-Key.',
        body: CreateChildBody,
        response: {
          201: ref(ChildSchema, 'The registered child, with warnings and possible duplicates'),
          ...problemResponses(400, 401, 403, 409, 422),
        },
      },
    },
    async (request, reply) => {
      const body = request.body
      const principal = request.principal!
      assertSensitiveWriteAllowed(request, sensitiveFieldsIn(body))
      const birth = normaliseBirth(body)
      const asOf = today(app)
      const now = app.clock.now()
      const result = await inScope(app.database.db, principal.scope, async (tx) => {
        const problems = await childProblems(
          app,
          tx,
          request,
          { ...body, ...birth, ...body.address },
          { checkAddress: true, isNew: true },
        )
        if (problems.length > 0) throw invalid('The child cannot be registered.', problems)
        if (body.personalId) {
          const existingId = await childIdWithPersonalId(tx, principal.scope, body.personalId)
          if (existingId) return { conflict: existingId }
        }
        const possibleDuplicates = await findPossibleDuplicates(tx, principal.scope, {
          nameFolded: foldName(body.fullName),
          dateOfBirth: birth.dateOfBirth,
          householdId: body.householdId ?? null,
        })
        const unit = (await app.accounts.principals.unitTree()).find((u) => u.code === body.address.wardCode)
        const row = await insertChild(tx, {
          provinceCode: unit ? provinceOfUnit(await app.accounts.principals.unitTree(), unit.code) : '',
          wardCode: body.address.wardCode,
          residentialGroupCode: body.address.residentialGroupCode ?? null,
          streetAddress: body.address.streetAddress ?? null,
          householdId: body.householdId ?? null,
          relationshipToHead: body.relationshipToHead ?? null,
          fullName: body.fullName.trim(),
          ...birth,
          sex: body.sex,
          ethnicityCode: body.ethnicityCode ?? null,
          personalId: body.personalId ?? null,
          birthRegistered: body.birthRegistered ?? null,
          schoolingStatus: body.schoolingStatus ?? null,
          hasDisability: body.hasDisability ?? false,
          disabilityNote: body.disabilityNote ?? null,
          healthNote: body.healthNote ?? null,
          caregivers: body.caregivers ?? [],
          source: body.source ?? null,
          externalId: body.externalId ?? null,
          createdAt: now,
          updatedAt: now,
          createdBy: principal.id,
          updatedBy: principal.id,
        })
        const changes = diffFields({}, row as unknown as Record<string, unknown>, trackedFields)
        await insertRevision(tx, {
          childId: row.id,
          provinceCode: row.provinceCode,
          wardCode: row.wardCode,
          residentialGroupCode: row.residentialGroupCode,
          version: row.version,
          action: 'create',
          changes,
          sensitive: changes.some((c) => sensitiveChildFields.has(c.field)),
          changedAt: now,
          actorId: principal.id,
          actorName: principal.name,
          requestId: request.id,
        })
        await audit(tx, request, {
          action: 'child.create',
          resourceType: 'child',
          resourceId: row.id,
          unitCode: row.wardCode,
          outcome: 'success',
        })
        await recordEvent(tx, childEvent('child.created', row, now, { source: row.source }))
        return { row, possibleDuplicates }
      }).catch((error: unknown) => {
        if (isUniqueViolation(error, 'children_personal_id_key')) return { conflict: null }
        if (isUniqueViolation(error, 'children_source_external_key')) {
          throw conflict(
            'external_id_taken',
            'A child with this source and externalId already exists; import it to update it.',
          )
        }
        throw error
      })
      if ('conflict' in result) {
        throw conflict(
          'personal_id_taken',
          'A child with this personal ID number is already registered.',
          result.conflict ? { existingId: result.conflict } : {},
        )
      }
      const { row, possibleDuplicates } = result
      reply.code(201).header('location', `/v1/children/${row.id}`)
      return sendWithEtag(reply, row.version, {
        ...toChild(row, { circumstances: [], care: [], cards: [] }, canSeeSensitive(principal), asOf),
        warnings: warningsFor(row),
        possibleDuplicates,
      })
    },
  )

  route.get(
    '/v1/children',
    {
      config: { permission: 'registry:read' },
      schema: {
        operationId: 'listChildren',
        tags: ['children'],
        summary: 'List and search children in your units',
        description:
          '`q` searches names ignoring Vietnamese diacritics and tolerating typos ("Nguyen Van An" finds "Nguyễn Văn An"); ' +
          'results are ordered by closeness, otherwise by name. `unit` includes every unit below it. Filtering by a sensitive ' +
          'group (đ, e, g, i, l, m) needs registry:sensitive. Every call is audited (filters named, not their values).',
        querystring: ListChildrenQuery,
        response: { 200: ref(ChildPageSchema, 'A page of children'), ...problemResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const { limit = 50, cursor, unit, group, q, asOf: requestedAsOf, ...rest } = request.query
      const principal = request.principal!
      const sensitive = canSeeSensitive(principal)
      const groupCode = group === undefined ? undefined : normaliseGroupCode(group)
      if (groupCode && sensitiveGroupCodes.has(groupCode) && !sensitive) {
        throw new HttpProblem(
          403,
          'sensitive_filter_forbidden',
          'Filtering by a sensitive group needs the registry:sensitive permission.',
          {
            extensions: { requiredPermission: 'registry:sensitive' },
          },
        )
      }
      const asOf = requestedAsOf ?? today(app)
      const folded = q === undefined ? undefined : foldName(q)
      const filter = {
        ...rest,
        group: groupCode ?? undefined,
        q: folded,
        asOf,
        unitScope: unitFilterScope(await app.accounts.principals.unitTree(), unit),
      }
      const after = decodeCursor(cursor, folded ? ['number', 'uuid'] : ['text', 'uuid'])
      const rows = await inScope(app.database.db, principal.scope, async (tx) => {
        const found = await listChildren(tx, principal.scope, filter, { sensitive, after, limit: limit + 1 })
        await audit(tx, request, {
          action: folded ? 'child.search' : 'child.list',
          resourceType: 'child',
          outcome: 'success',
          details: {
            filters: Object.keys(request.query)
              .filter((key) => key !== 'cursor' && key !== 'limit')
              .sort(),
            count: Math.min(found.length, limit),
          },
        })
        return found
      })
      const items = rows.slice(0, limit)
      const last = items[items.length - 1]
      return {
        items: items.map((row) => toChildSummary(row, asOf)),
        nextCursor:
          rows.length > limit && last
            ? encodeCursor(folded ? [last.rank, last.id] : [last.nameFolded ?? '', last.id])
            : null,
      }
    },
  )

  route.get(
    '/v1/children/:id',
    {
      config: { permission: 'registry:read' },
      schema: {
        operationId: 'getChild',
        tags: ['children'],
        summary: 'A child’s record: circumstances, care, health insurance',
        description:
          'A child outside your units answers 404, exactly like a missing one. Every read is audited, 404s included.',
        params: ChildParams,
        response: {
          200: ref(ChildSchema, 'The child; ETag carries its version'),
          ...problemResponses(400, 401, 403, 404),
        },
      },
    },
    async (request, reply) => {
      const principal = request.principal!
      const { id } = request.params
      const found = await readChildAudited(app.database.db, principal.scope, id, {
        occurredAt: app.clock.now(),
        actor: requestActor(request),
        requestId: request.id,
      })
      if (!found) throw notFound('Child', id)
      return sendWithEtag(
        reply,
        found.row.version,
        toChild(found.row, found.parts, canSeeSensitive(principal), today(app)),
      )
    },
  )

  route.patch(
    '/v1/children/:id',
    {
      config: { permission: 'registry:write' },
      schema: {
        operationId: 'updateChild',
        tags: ['children'],
        summary: 'Change a child’s record (If-Match required); every changed field is kept in the history',
        params: ChildParams,
        body: UpdateChildBody,
        response: {
          200: ref(ChildSchema, 'The changed child, with warnings'),
          ...problemResponses(400, 401, 403, 404, 409, 412, 422, 428),
        },
      },
    },
    async (request, reply) => {
      const expectedVersion = requiredVersion(request)
      const principal = request.principal!
      const { id } = request.params
      const { reason, address, ...body } = request.body
      assertSensitiveWriteAllowed(request, sensitiveFieldsIn(body))
      const now = app.clock.now()
      const outcome = await inScope(app.database.db, principal.scope, async (tx) => {
        const current = await getChildRow(tx, principal.scope, id)
        if (!current) return { missing: true as const }
        const birthChanged =
          body.dateOfBirth !== undefined || body.birthYear !== undefined || body.birthDatePrecision !== undefined
        const birth = birthChanged
          ? normaliseBirth({
              dateOfBirth: body.dateOfBirth !== undefined ? body.dateOfBirth : current.dateOfBirth,
              birthYear: body.birthYear !== undefined ? body.birthYear : current.birthYear,
              birthDatePrecision: body.birthDatePrecision ?? (body.dateOfBirth ? 'exact' : current.birthDatePrecision),
            })
          : {
              dateOfBirth: current.dateOfBirth,
              birthYear: current.birthYear,
              birthDatePrecision: current.birthDatePrecision,
            }
        const next: ChildRow = {
          ...current,
          ...stripUndefined(body),
          ...birth,
          wardCode: address?.wardCode ?? current.wardCode,
          residentialGroupCode: address ? (address.residentialGroupCode ?? null) : current.residentialGroupCode,
          streetAddress: address ? (address.streetAddress ?? null) : current.streetAddress,
        }
        const problems = await childProblems(app, tx, request, next, {
          checkAddress: address !== undefined,
          isNew: false,
        })
        if (problems.length > 0) throw invalid('The change cannot be saved.', problems)
        if (
          body.personalId &&
          body.personalId !== current.personalId &&
          (await childIdWithPersonalId(tx, principal.scope, body.personalId, id))
        ) {
          return { conflict: true as const }
        }
        const changes = diffFields(
          current as unknown as Record<string, unknown>,
          next as unknown as Record<string, unknown>,
          trackedFields,
        )
        const provinceCode = address
          ? provinceOfUnit(await app.accounts.principals.unitTree(), next.wardCode)
          : current.provinceCode
        const updated = await updateChild(tx, principal.scope, id, expectedVersion, {
          ...pick(next, trackedFields),
          provinceCode,
          updatedAt: now,
          updatedBy: principal.id,
        })
        if (!updated) return { stale: current.version }
        if (updated.wardCode !== current.wardCode || updated.residentialGroupCode !== current.residentialGroupCode) {
          await relocateChildParts(tx, [id])
        }
        await insertRevision(tx, {
          childId: id,
          provinceCode: updated.provinceCode,
          wardCode: updated.wardCode,
          residentialGroupCode: updated.residentialGroupCode,
          version: updated.version,
          action: 'update',
          changes,
          reason: reason ?? null,
          sensitive: false,
          changedAt: now,
          actorId: principal.id,
          actorName: principal.name,
          requestId: request.id,
        })
        await audit(tx, request, {
          action: 'child.update',
          resourceType: 'child',
          resourceId: id,
          unitCode: updated.wardCode,
          outcome: 'success',
          details: { fields: changes.map((c) => c.field) },
        })
        await recordEvent(tx, childEvent('child.updated', updated, now, { fields: changes.map((c) => c.field) }))
        return { updated, parts: await getChildParts(tx, id) }
      }).catch((error: unknown) => {
        if (isUniqueViolation(error, 'children_personal_id_key')) return { conflict: true as const }
        throw error
      })
      if ('missing' in outcome) throw notFound('Child', id)
      if ('conflict' in outcome)
        throw conflict('personal_id_taken', 'Another child already has this personal ID number.')
      if (outcome.stale !== undefined) throw staleVersion(outcome.stale)
      return sendWithEtag(reply, outcome.updated.version, {
        ...toChild(outcome.updated, outcome.parts, canSeeSensitive(principal), today(app)),
        warnings: warningsFor(outcome.updated),
      })
    },
  )

  route.delete(
    '/v1/children/:id',
    {
      config: { permission: 'registry:write' },
      schema: {
        operationId: 'deleteChild',
        tags: ['children'],
        summary: 'Delete a child’s record (soft delete with a reason; If-Match required)',
        description:
          'The record disappears from lists and reads and is kept, with the reason, until the retention purge ' +
          '(see docs/operations.md). Its history and audit trail stay.',
        params: ChildParams,
        querystring: DeleteChildQuery,
        response: { 204: { description: 'Deleted', type: 'null' }, ...problemResponses(400, 401, 403, 404, 412, 428) },
      },
    },
    async (request, reply) => {
      const expectedVersion = requiredVersion(request)
      const principal = request.principal!
      const { id } = request.params
      const now = app.clock.now()
      const outcome = await inScope(app.database.db, principal.scope, async (tx) => {
        const current = await getChildRow(tx, principal.scope, id)
        if (!current) return { missing: true as const }
        const updated = await updateChild(tx, principal.scope, id, expectedVersion, {
          deletedAt: now,
          deletedReason: request.query.reason,
          updatedAt: now,
          updatedBy: principal.id,
        })
        if (!updated) return { stale: current.version }
        await insertRevision(tx, {
          childId: id,
          provinceCode: current.provinceCode,
          wardCode: current.wardCode,
          residentialGroupCode: current.residentialGroupCode,
          version: updated.version,
          action: 'delete',
          changes: [],
          reason: request.query.reason,
          changedAt: now,
          actorId: principal.id,
          actorName: principal.name,
          requestId: request.id,
        })
        await audit(tx, request, {
          action: 'child.delete',
          resourceType: 'child',
          resourceId: id,
          unitCode: current.wardCode,
          outcome: 'success',
        })
        return { deleted: true as const }
      })
      if ('missing' in outcome) throw notFound('Child', id)
      if (outcome.stale !== undefined) throw staleVersion(outcome.stale)
      return reply.code(204).send(null)
    },
  )
}

/** The outbox event for a child: full details here; readers get a view cut to their role. */
export function childEvent(
  type: 'child.created' | 'child.updated',
  row: ChildRow,
  occurredAt: Date,
  extra: Record<string, unknown>,
) {
  return {
    type,
    occurredAt,
    unit: { provinceCode: row.provinceCode, wardCode: row.wardCode, residentialGroupCode: row.residentialGroupCode },
    resourceType: 'child',
    resourceId: row.id,
    data: {
      childId: row.id,
      fullName: row.fullName,
      personalId: row.personalId,
      dateOfBirth: row.dateOfBirth,
      birthYear: row.birthYear,
      sex: row.sex,
      wardCode: row.wardCode,
      residentialGroupCode: row.residentialGroupCode,
      version: row.version,
      ...extra,
    },
  }
}

function stripUndefined<T extends Record<string, unknown>>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>
}

function pick<T, K extends keyof T>(value: T, keys: readonly K[]): Pick<T, K> {
  const picked = {} as Pick<T, K>
  for (const key of keys) picked[key] = value[key]
  return picked
}

export { children as childrenTable, normaliseBirth }
