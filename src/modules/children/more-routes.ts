import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { Static } from 'typebox'
import { audit } from '../../platform/audit.js'
import { requiredVersion, sendWithEtag, staleVersion } from '../../platform/concurrency.js'
import { contentTypes, csvStream, xlsxStream, type CellValue } from '../../platform/export.js'
import { decodeCursor, encodeCursor } from '../../platform/pagination.js'
import { HttpProblem, notFound, unprocessable, type FieldError } from '../../platform/problem.js'
import { problemResponses, ref } from '../../platform/schemas.js'
import { inScope } from '../../platform/scope.js'
import { childColumns } from './columns.js'
import { redactChanges } from './history.js'
import {
  getCare,
  getChildParts,
  getChildRow,
  getCircumstance,
  insertCard,
  insertCare,
  insertCircumstance,
  insertRevision,
  listChildren,
  listDuplicatePairs,
  listRevisions,
  moveChildParts,
  updateCare,
  updateChild,
  updateCircumstance,
  type ChildRow,
} from './repository.js'
import {
  defaultBhytExpiry,
  effectiveDateOfBirth,
  foldName,
  ageInYears,
  normaliseGroupCode,
  sensitiveGroupCodes,
} from './rules.js'
import {
  CareRecordSchema,
  ChildItemParams,
  ChildParams,
  ChildSchema,
  CircumstanceSchema,
  CreateCardBody,
  CreateCareBody,
  CreateCircumstanceBody,
  DuplicatePageSchema,
  DuplicatesQuery,
  ExportChildrenQuery,
  HealthInsuranceCardSchema,
  HistorySchema,
  MergeBody,
  UpdateCareBody,
  UpdateCircumstanceBody,
} from './schemas.js'
import { canSeeSensitive, isSensitiveCircumstance, toCard, toCare, toChild, toChildSummary, today } from './service.js'
import { unitFilterScope } from '../units/tree.js'

const trackedOnMerge = [
  'dateOfBirth',
  'birthYear',
  'ethnicityCode',
  'personalId',
  'birthRegistered',
  'schoolingStatus',
  'householdId',
  'relationshipToHead',
  'residentialGroupCode',
  'streetAddress',
] as const

function rangeProblems(startDate: string, endDate: string | null | undefined, pointer = '/endDate'): FieldError[] {
  return endDate && endDate < startDate
    ? [{ location: 'body', pointer, message: 'must not be before startDate', code: 'invalid_range' }]
    : []
}

export default async function childPartRoutes(app: FastifyInstance) {
  const route = app.withTypeProvider<TypeBoxTypeProvider>()

  /** Loads a child in scope for a write on its parts; 404 (audited) when it is not there. */
  async function revision(
    request: FastifyRequest,
    tx: Parameters<Parameters<typeof inScope>[2]>[0],
    child: ChildRow,
    action: string,
    changes: { field: string; from: unknown; to: unknown }[],
    sensitive: boolean,
  ) {
    const principal = request.principal!
    await insertRevision(tx, {
      childId: child.id,
      provinceCode: child.provinceCode,
      wardCode: child.wardCode,
      residentialGroupCode: child.residentialGroupCode,
      version: child.version,
      action,
      changes,
      sensitive,
      changedAt: app.clock.now(),
      actorId: principal.id,
      actorName: principal.name,
      requestId: request.id,
    })
  }

  route.post(
    '/v1/children/:id/circumstances',
    {
      config: { permission: 'registry:write' },
      schema: {
        operationId: 'addChildCircumstance',
        tags: ['children'],
        summary: 'Record a special-circumstance group (or a risk) for a child, from a date',
        description:
          'Sensitive groups (đ, e, g, i, l, m) need registry:sensitive. The history keeps every membership with its dates.',
        params: ChildParams,
        body: CreateCircumstanceBody,
        response: { 201: ref(CircumstanceSchema, 'The membership'), ...problemResponses(400, 401, 403, 404, 422) },
      },
    },
    async (request, reply) => {
      const principal = request.principal!
      const body = request.body
      const groupCode = body.groupCode ? normaliseGroupCode(body.groupCode) : null
      const problems: FieldError[] = rangeProblems(body.startDate, body.endDate)
      if (body.kind === 'group' && !groupCode)
        problems.push({
          location: 'body',
          pointer: '/groupCode',
          message: 'is required for kind group',
          code: 'group_required',
        })
      if (body.kind === 'risk' && !body.risk)
        problems.push({
          location: 'body',
          pointer: '/risk',
          message: 'describe the risk for kind risk',
          code: 'risk_required',
        })
      if (problems.length > 0) throw unprocessable('invalid_record', 'The circumstance cannot be recorded.', problems)
      if (groupCode && sensitiveGroupCodes.has(groupCode) && !canSeeSensitive(principal)) {
        throw new HttpProblem(
          403,
          'sensitive_field_forbidden',
          `Group ${groupCode} is sensitive: recording it needs registry:sensitive.`,
          {
            extensions: { requiredPermission: 'registry:sensitive' },
          },
        )
      }
      const now = app.clock.now()
      const created = await inScope(app.database.db, principal.scope, async (tx) => {
        const child = await getChildRow(tx, principal.scope, request.params.id)
        if (!child) return undefined
        const row = await insertCircumstance(tx, {
          childId: child.id,
          provinceCode: child.provinceCode,
          wardCode: child.wardCode,
          residentialGroupCode: child.residentialGroupCode,
          kind: body.kind,
          groupCode,
          subGroup: body.subGroup ?? null,
          risk: body.risk ?? null,
          startDate: body.startDate,
          endDate: body.endDate ?? null,
          note: body.note ?? null,
          createdAt: now,
          updatedAt: now,
          createdBy: principal.id,
        })
        await revision(
          request,
          tx,
          child,
          'circumstance.add',
          [{ field: 'circumstance', from: null, to: { kind: row.kind, groupCode, startDate: row.startDate } }],
          isSensitiveCircumstance(row),
        )
        await audit(tx, request, {
          action: 'child.circumstance.add',
          resourceType: 'child',
          resourceId: child.id,
          unitCode: child.wardCode,
          outcome: 'success',
          details: { circumstanceId: row.id, kind: row.kind },
        })
        return row
      })
      if (!created) throw notFound('Child', request.params.id)
      reply.code(201).header('location', `/v1/children/${request.params.id}/circumstances/${created.id}`)
      return sendWithEtag(reply, created.version, {
        id: created.id,
        kind: created.kind,
        groupCode: created.groupCode,
        subGroup: created.subGroup,
        risk: created.risk,
        startDate: created.startDate,
        endDate: created.endDate,
        endReason: created.endReason,
        note: created.note,
        active: !created.endDate || created.endDate >= today(app),
        version: created.version,
      })
    },
  )

  route.patch(
    '/v1/children/:id/circumstances/:itemId',
    {
      config: { permission: 'registry:write' },
      schema: {
        operationId: 'updateChildCircumstance',
        tags: ['children'],
        summary: 'End a membership (endDate, endReason) or correct its note; If-Match with its version',
        params: ChildItemParams,
        body: UpdateCircumstanceBody,
        response: {
          200: ref(CircumstanceSchema, 'The membership'),
          ...problemResponses(400, 401, 403, 404, 412, 422, 428),
        },
      },
    },
    async (request, reply) => {
      const expectedVersion = requiredVersion(request)
      const principal = request.principal!
      const { id, itemId } = request.params
      const outcome = await inScope(app.database.db, principal.scope, async (tx) => {
        const child = await getChildRow(tx, principal.scope, id)
        const current = child ? await getCircumstance(tx, id, itemId) : undefined
        if (!child || !current || (isSensitiveCircumstance(current) && !canSeeSensitive(principal)))
          return { missing: true as const }
        const problems = rangeProblems(current.startDate, request.body.endDate)
        if (problems.length > 0) throw unprocessable('invalid_record', 'The change cannot be saved.', problems)
        const updated = await updateCircumstance(tx, itemId, expectedVersion, {
          ...request.body,
          updatedAt: app.clock.now(),
        })
        if (!updated) return { stale: current.version }
        const changes = Object.keys(request.body).map((field) => ({
          field: `circumstance.${field}`,
          from: current[field as keyof typeof current] ?? null,
          to: updated[field as keyof typeof updated] ?? null,
        }))
        await revision(request, tx, child, 'circumstance.update', changes, isSensitiveCircumstance(current))
        await audit(tx, request, {
          action: 'child.circumstance.update',
          resourceType: 'child',
          resourceId: id,
          unitCode: child.wardCode,
          outcome: 'success',
          details: { circumstanceId: itemId },
        })
        return { updated }
      })
      if ('missing' in outcome) throw notFound('Circumstance', itemId)
      if (outcome.stale !== undefined) throw staleVersion(outcome.stale)
      const row = outcome.updated
      return sendWithEtag(reply, row.version, {
        id: row.id,
        kind: row.kind,
        groupCode: row.groupCode,
        subGroup: row.subGroup,
        risk: row.risk,
        startDate: row.startDate,
        endDate: row.endDate,
        endReason: row.endReason,
        note: row.note,
        active: row.startDate <= today(app) && (!row.endDate || row.endDate >= today(app)),
        version: row.version,
      })
    },
  )

  route.post(
    '/v1/children/:id/care',
    {
      config: { permission: 'registry:write' },
      schema: {
        operationId: 'addChildCare',
        tags: ['children'],
        summary: 'Record care or support a child receives (allowance, insurance, alternative care, counselling…)',
        description:
          'This is what the "≥ 90% of special-circumstance children cared for" target counts. A note needs registry:sensitive.',
        params: ChildParams,
        body: CreateCareBody,
        response: { 201: ref(CareRecordSchema, 'The care record'), ...problemResponses(400, 401, 403, 404, 422) },
      },
    },
    async (request, reply) => {
      const principal = request.principal!
      const body = request.body
      const problems = rangeProblems(body.startDate, body.endDate)
      if (problems.length > 0) throw unprocessable('invalid_record', 'The care record cannot be saved.', problems)
      if (body.note && !canSeeSensitive(principal)) {
        throw new HttpProblem(
          403,
          'sensitive_field_forbidden',
          'A care note may describe health: writing it needs registry:sensitive.',
          {
            extensions: { requiredPermission: 'registry:sensitive' },
          },
        )
      }
      const now = app.clock.now()
      const created = await inScope(app.database.db, principal.scope, async (tx) => {
        const child = await getChildRow(tx, principal.scope, request.params.id)
        if (!child) return undefined
        const row = await insertCare(tx, {
          childId: child.id,
          provinceCode: child.provinceCode,
          wardCode: child.wardCode,
          residentialGroupCode: child.residentialGroupCode,
          kind: body.kind,
          provider: body.provider ?? null,
          startDate: body.startDate,
          endDate: body.endDate ?? null,
          amountVnd: body.amountVnd ?? null,
          note: body.note ?? null,
          createdAt: now,
          updatedAt: now,
          createdBy: principal.id,
        })
        await revision(
          request,
          tx,
          child,
          'care.add',
          [{ field: 'care', from: null, to: { kind: row.kind, startDate: row.startDate } }],
          false,
        )
        await audit(tx, request, {
          action: 'child.care.add',
          resourceType: 'child',
          resourceId: child.id,
          unitCode: child.wardCode,
          outcome: 'success',
          details: { careId: row.id, kind: row.kind },
        })
        return row
      })
      if (!created) throw notFound('Child', request.params.id)
      reply.code(201).header('location', `/v1/children/${request.params.id}/care/${created.id}`)
      return sendWithEtag(reply, created.version, toCare(created, canSeeSensitive(principal)))
    },
  )

  route.patch(
    '/v1/children/:id/care/:itemId',
    {
      config: { permission: 'registry:write' },
      schema: {
        operationId: 'updateChildCare',
        tags: ['children'],
        summary: 'End or correct a care record; If-Match with its version',
        params: ChildItemParams,
        body: UpdateCareBody,
        response: {
          200: ref(CareRecordSchema, 'The care record'),
          ...problemResponses(400, 401, 403, 404, 412, 422, 428),
        },
      },
    },
    async (request, reply) => {
      const expectedVersion = requiredVersion(request)
      const principal = request.principal!
      const { id, itemId } = request.params
      if (request.body.note && !canSeeSensitive(principal)) {
        throw new HttpProblem(
          403,
          'sensitive_field_forbidden',
          'A care note may describe health: writing it needs registry:sensitive.',
          {
            extensions: { requiredPermission: 'registry:sensitive' },
          },
        )
      }
      const outcome = await inScope(app.database.db, principal.scope, async (tx) => {
        const child = await getChildRow(tx, principal.scope, id)
        const current = child ? await getCare(tx, id, itemId) : undefined
        if (!child || !current) return { missing: true as const }
        const problems = rangeProblems(current.startDate, request.body.endDate)
        if (problems.length > 0) throw unprocessable('invalid_record', 'The change cannot be saved.', problems)
        const updated = await updateCare(tx, itemId, expectedVersion, { ...request.body, updatedAt: app.clock.now() })
        if (!updated) return { stale: current.version }
        await revision(
          request,
          tx,
          child,
          'care.update',
          Object.keys(request.body).map((field) => ({
            field: `care.${field}`,
            from: current[field as keyof typeof current] ?? null,
            to: updated[field as keyof typeof updated] ?? null,
          })),
          'note' in request.body,
        )
        await audit(tx, request, {
          action: 'child.care.update',
          resourceType: 'child',
          resourceId: id,
          unitCode: child.wardCode,
          outcome: 'success',
          details: { careId: itemId },
        })
        return { updated }
      })
      if ('missing' in outcome) throw notFound('Care record', itemId)
      if (outcome.stale !== undefined) throw staleVersion(outcome.stale)
      return sendWithEtag(reply, outcome.updated.version, toCare(outcome.updated, canSeeSensitive(principal)))
    },
  )

  route.post(
    '/v1/children/:id/health-insurance',
    {
      config: { permission: 'registry:write' },
      schema: {
        operationId: 'addChildHealthInsuranceCard',
        tags: ['children'],
        summary: 'Record a health insurance (BHYT) card',
        description:
          'Without validTo, a card of a child under 6 runs to the Decree 146/2018 expiry: 30 September of the year the child ' +
          'turns 72 months when that comes before 30 September, else the last day of the month the child turns 72 months.',
        params: ChildParams,
        body: CreateCardBody,
        response: { 201: ref(HealthInsuranceCardSchema, 'The card'), ...problemResponses(400, 401, 403, 404, 422) },
      },
    },
    async (request, reply) => {
      const principal = request.principal!
      const body = request.body
      const now = app.clock.now()
      const created = await inScope(app.database.db, principal.scope, async (tx) => {
        const child = await getChildRow(tx, principal.scope, request.params.id)
        if (!child) return undefined
        const birth = effectiveDateOfBirth(child)
        let validTo = body.validTo
        if (!validTo) {
          if (!birth || ageInYears(birth, body.validFrom) >= 6) {
            throw unprocessable(
              'invalid_record',
              'validTo is needed: the default expiry applies only to children under 6.',
              [
                {
                  location: 'body',
                  pointer: '/validTo',
                  message: 'is required for a child of 6 or more, or without a date of birth',
                  code: 'valid_to_required',
                },
              ],
            )
          }
          validTo = defaultBhytExpiry(birth)
        }
        const problems = rangeProblems(body.validFrom, validTo, '/validTo')
        if (problems.length > 0) throw unprocessable('invalid_record', 'The card cannot be saved.', problems)
        const row = await insertCard(tx, {
          childId: child.id,
          provinceCode: child.provinceCode,
          wardCode: child.wardCode,
          residentialGroupCode: child.residentialGroupCode,
          cardNumber: body.cardNumber,
          issuedOn: body.issuedOn ?? null,
          validFrom: body.validFrom,
          validTo,
          createdAt: now,
          createdBy: principal.id,
        })
        await revision(
          request,
          tx,
          child,
          'health_insurance.add',
          [{ field: 'healthInsurance', from: null, to: { validFrom: row.validFrom, validTo: row.validTo } }],
          false,
        )
        await audit(tx, request, {
          action: 'child.health_insurance.add',
          resourceType: 'child',
          resourceId: child.id,
          unitCode: child.wardCode,
          outcome: 'success',
        })
        return row
      })
      if (!created) throw notFound('Child', request.params.id)
      reply.code(201)
      return toCard(created, today(app))
    },
  )

  route.get(
    '/v1/children/:id/history',
    {
      config: { permission: 'registry:read' },
      schema: {
        operationId: 'getChildHistory',
        tags: ['children'],
        summary: 'Who changed which field when (old → new), from the stored revisions',
        params: ChildParams,
        response: { 200: ref(HistorySchema, 'Every revision, oldest first'), ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const principal = request.principal!
      const sensitive = canSeeSensitive(principal)
      const { id } = request.params
      const revisions = await inScope(app.database.db, principal.scope, async (tx) => {
        const child = await getChildRow(tx, principal.scope, id)
        await audit(tx, request, {
          action: 'child.history',
          resourceType: 'child',
          resourceId: id,
          unitCode: child?.wardCode ?? null,
          outcome: child ? 'success' : 'not_found',
        })
        return child ? listRevisions(tx, id, sensitive) : undefined
      })
      if (!revisions) throw notFound('Child', id)
      return {
        items: revisions.map((r) => ({
          version: r.version,
          action: r.action,
          changedAt: r.changedAt.toISOString(),
          actorId: r.actorId,
          actorName: r.actorName,
          reason: r.reason,
          changes: sensitive ? r.changes : redactChanges(r.changes),
        })),
        nextCursor: null,
      }
    },
  )

  route.get(
    '/v1/children/duplicates',
    {
      config: { permission: 'registry:read' },
      schema: {
        operationId: 'listDuplicateChildren',
        tags: ['children'],
        summary: 'Candidate duplicate pairs in your units',
        description:
          'Pairs with the same date of birth in the same ward whose folded names are equal or very similar (trigram ' +
          'similarity ≥ 0.6). Review, then merge with POST /v1/children/{id}/merge.',
        querystring: DuplicatesQuery,
        response: { 200: ref(DuplicatePageSchema, 'A page of pairs'), ...problemResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const principal = request.principal!
      const { limit = 50, cursor, unit } = request.query
      const after = decodeCursor(cursor, ['uuid', 'uuid']) as [string, string] | undefined
      const unitScope = unitFilterScope(await app.accounts.principals.unitTree(), unit)
      const pairs = await inScope(app.database.db, principal.scope, async (tx) => {
        const found = await listDuplicatePairs(tx, principal.scope, { unitScope, after, limit: limit + 1 })
        await audit(tx, request, {
          action: 'child.duplicates',
          resourceType: 'child',
          outcome: 'success',
          details: { count: Math.min(found.length, limit) },
        })
        return found
      })
      const items = pairs.slice(0, limit)
      const last = items[items.length - 1]
      return { items, nextCursor: pairs.length > limit && last ? encodeCursor([last.first.id, last.second.id]) : null }
    },
  )

  route.post(
    '/v1/children/:id/merge',
    {
      config: { permission: 'registry:merge' },
      schema: {
        operationId: 'mergeChildren',
        tags: ['children'],
        summary: 'Merge a duplicate into this child',
        description:
          'Circumstances, care and health insurance cards move to this child; fields this child lacks are taken from the ' +
          'duplicate; the duplicate is kept as a deleted tombstone whose mergedInto points here. Both must be in your units.',
        params: ChildParams,
        body: MergeBody,
        response: { 200: ref(ChildSchema, 'The surviving child'), ...problemResponses(400, 401, 403, 404, 412, 422) },
      },
    },
    async (request) => {
      const principal = request.principal!
      const { id } = request.params
      const { duplicateId, duplicateVersion, reason } = request.body
      if (duplicateId === id) {
        throw unprocessable('invalid_merge', 'A child cannot be merged into itself.', [
          {
            location: 'body',
            pointer: '/duplicateId',
            message: 'must differ from the surviving child',
            code: 'same_child',
          },
        ])
      }
      const now = app.clock.now()
      const outcome = await inScope(app.database.db, principal.scope, async (tx) => {
        const survivor = await getChildRow(tx, principal.scope, id)
        const duplicate = await getChildRow(tx, principal.scope, duplicateId)
        if (!survivor) return { missing: id }
        if (!duplicate) return { missing: duplicateId }
        if (duplicate.version !== duplicateVersion) return { stale: duplicate.version }
        const taken: Partial<ChildRow> = {}
        const changes: { field: string; from: unknown; to: unknown }[] = []
        for (const field of trackedOnMerge) {
          if (
            (survivor[field] === null || survivor[field] === undefined) &&
            duplicate[field] !== null &&
            duplicate[field] !== undefined
          ) {
            ;(taken as Record<string, unknown>)[field] = duplicate[field]
            changes.push({ field, from: null, to: duplicate[field] })
          }
        }
        // The personal ID is unique among live records: release it from the duplicate before taking it.
        const tombstone = await updateChild(tx, principal.scope, duplicateId, duplicate.version, {
          deletedAt: now,
          deletedReason: reason ?? `merged into ${id}`,
          mergedInto: id,
          personalId: taken.personalId ? null : duplicate.personalId,
          updatedAt: now,
          updatedBy: principal.id,
        })
        const moved = await moveChildParts(tx, duplicateId, survivor)
        const merged = await updateChild(tx, principal.scope, id, survivor.version, {
          ...taken,
          ...(taken.dateOfBirth ? { birthDatePrecision: duplicate.birthDatePrecision } : {}),
          updatedAt: now,
          updatedBy: principal.id,
        })
        if (!merged || !tombstone) return { stale: survivor.version }
        const base = {
          changedAt: now,
          actorId: principal.id,
          actorName: principal.name,
          requestId: request.id,
          reason: reason ?? null,
        }
        await insertRevision(tx, {
          ...base,
          childId: id,
          provinceCode: merged.provinceCode,
          wardCode: merged.wardCode,
          residentialGroupCode: merged.residentialGroupCode,
          version: merged.version,
          action: 'merge',
          changes: [{ field: 'mergedFrom', from: null, to: duplicateId }, ...changes],
        })
        await insertRevision(tx, {
          ...base,
          childId: duplicateId,
          provinceCode: duplicate.provinceCode,
          wardCode: duplicate.wardCode,
          residentialGroupCode: duplicate.residentialGroupCode,
          version: tombstone.version,
          action: 'merged_into',
          changes: [{ field: 'mergedInto', from: null, to: id }],
        })
        await audit(tx, request, {
          action: 'child.merge',
          resourceType: 'child',
          resourceId: id,
          unitCode: merged.wardCode,
          outcome: 'success',
          details: { duplicateId, moved, fields: changes.map((c) => c.field) },
        })
        return { merged, parts: await getChildParts(tx, id) }
      })
      if (outcome.missing !== undefined) throw notFound('Child', outcome.missing)
      if (outcome.stale !== undefined) throw staleVersion(outcome.stale)
      return toChild(outcome.merged, outcome.parts, canSeeSensitive(principal), today(app))
    },
  )

  route.get(
    '/v1/children/export',
    {
      config: { permission: 'registry:export' },
      schema: {
        operationId: 'exportChildren',
        tags: ['children'],
        summary: 'Export the registry list as CSV or XLSX (streamed)',
        description:
          'The same filters as the list. Streamed row by row (constant memory on a million rows). Column headers in ' +
          'Vietnamese by default — the import reads them back. Cells that a spreadsheet would run as a formula are ' +
          'neutralised. Sensitive columns only with registry:sensitive. Audited as an export.',
        querystring: ExportChildrenQuery,
        response: {
          200: {
            description: 'The file',
            content: {
              'text/csv': { schema: { type: 'string' } },
              'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': {
                schema: { type: 'string', format: 'binary' },
              },
            },
          },
          ...problemResponses(400, 401, 403),
        },
      },
    },
    async (request, reply: FastifyReply) => {
      const principal = request.principal!
      const sensitive = canSeeSensitive(principal)
      // The binary response keeps the type provider from inferring the querystring; it is validated all the same.
      const query = request.query as Static<typeof ExportChildrenQuery>
      const { format, headers: language = 'vi', unit, group, q, asOf: requestedAsOf, ...rest } = query
      const groupCode = group === undefined ? undefined : normaliseGroupCode(group)
      if (groupCode && sensitiveGroupCodes.has(groupCode) && !sensitive) {
        throw new HttpProblem(
          403,
          'sensitive_filter_forbidden',
          'Filtering by a sensitive group needs the registry:sensitive permission.',
        )
      }
      const asOf = requestedAsOf ?? today(app)
      const filter = {
        ...rest,
        group: groupCode ?? undefined,
        q: q === undefined ? undefined : foldName(q),
        asOf,
        unitScope: unitFilterScope(await app.accounts.principals.unitTree(), unit),
      }
      const columns = childColumns.filter((column) => sensitive || !column.sensitive)
      await audit(app.database.db, request, {
        action: 'child.export',
        resourceType: 'child',
        outcome: 'success',
        details: {
          format,
          filters: Object.keys(query)
            .filter((key) => key !== 'format' && key !== 'headers')
            .sort(),
        },
      })
      const database = app.database
      const rows = (async function* () {
        let after: (string | number)[] | undefined
        for (;;) {
          const batch = await inScope(database.db, principal.scope, (tx) =>
            listChildren(tx, principal.scope, filter, { sensitive, after, limit: 1000, orderByName: true }),
          )
          for (const row of batch) {
            const summary = { ...row, ...toChildSummary(row, asOf) }
            yield columns.map((column): CellValue => {
              const value = (summary as Record<string, unknown>)[column.key]
              if (Array.isArray(value)) return value.join(' ')
              return value as CellValue
            })
          }
          const last = batch[batch.length - 1]
          if (!last || batch.length < 1000) return
          after = [last.nameFolded ?? '', last.id]
        }
      })()
      const headerRow = columns.map((column) => (language === 'vi' ? column.vi : column.en))
      const stamp = asOf.replace(/-/g, '')
      reply
        .header('content-type', contentTypes[format])
        .header('content-disposition', `attachment; filename="children-${stamp}.${format}"`)
        .header('cache-control', 'no-store')
      return reply.send(format === 'csv' ? csvStream(headerRow, rows) : xlsxStream('Trẻ em', headerRow, rows))
    },
  )
}
