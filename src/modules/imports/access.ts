/**
 * Who may see an import, and what they are shown: its creator, or a holder of imports:run over all the
 * creator's units (a district officer sees a ward's imports). Any other import answers 404, like a
 * missing one. Every look is audited, found or not.
 */
import type { FastifyRequest } from 'fastify'
import type { Static } from 'typebox'
import { audit } from '../../platform/audit.js'
import { decodeCursor } from '../../platform/pagination.js'
import { notFound } from '../../platform/problem.js'
import { resolveScope } from '../../platform/scope.js'
import { getClient, getUser } from '../users/repository.js'
import { errorsCsv, fileColumns, importView, problemPage } from './report.js'
import { getImport, type ImportRecord } from './repository.js'
import { scopeCovers } from './rules.js'
import type { ImportProblemsQuery } from './schemas.js'
import type { ImportRuntime } from './service.js'

/** The import, when the caller may see it; audited as `action` either way, then 404 when not. */
async function visibleImport(
  runtime: ImportRuntime,
  request: FastifyRequest,
  id: string,
  action: string,
): Promise<ImportRecord> {
  const principal = request.principal!
  const db = runtime.database.db
  const record = await getImport(db, id)
  let visible = false
  if (record) {
    if (record.principalKind === principal.kind && record.principalId === principal.id) visible = true
    else {
      const tree = await runtime.unitTree()
      const creator =
        record.principalKind === 'client'
          ? await getClient(db, record.principalId)
          : await getUser(db, record.principalId)
      visible = creator !== undefined && scopeCovers(principal.scope, resolveScope(tree, creator.units), tree)
    }
  }
  await audit(db, request, {
    action,
    resourceType: 'import',
    resourceId: id,
    outcome: visible ? 'success' : 'not_found',
  })
  if (!visible || !record) throw notFound('Import', id)
  return record
}

/** An import's report: state, progress, counts and its first rows with problems (ImportSchema). */
export async function readImport(runtime: ImportRuntime, request: FastifyRequest, id: string) {
  return importView(runtime.database.db, await visibleImport(runtime, request, id, 'import.read'))
}

/** A page of an import's rows with problems, in file order (ImportRowPageSchema). */
export async function importProblemPage(
  runtime: ImportRuntime,
  request: FastifyRequest,
  id: string,
  query: Static<typeof ImportProblemsQuery>,
) {
  const db = runtime.database.db
  const { limit = 50, cursor } = query
  const after = decodeCursor(cursor, ['integer'])
  const record = await visibleImport(runtime, request, id, 'import.read')
  return problemPage(db, record, await fileColumns(db, record), Number(after?.[0] ?? -1), limit)
}

/** An import's rejected rows as CSV, to fix and import again; audited as an export. */
export async function importErrors(runtime: ImportRuntime, request: FastifyRequest, id: string) {
  const record = await visibleImport(runtime, request, id, 'import.errors.export')
  return { fileName: `import-${record.id}-errors.csv`, csv: await errorsCsv(runtime.database.db, record) }
}
