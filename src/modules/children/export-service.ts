/**
 * The registry export: the list's filters, checked and audited as scoped work (platform/work.ts), and
 * the rows, read afterwards in batches of their own as the file streams.
 */
import { sharingConsentDay } from './consent-service.js'
import type { Static } from 'typebox'
import type { Db } from '../../db/client.js'
import type { CellValue } from '../../platform/export.js'
import { inScope, type Scope } from '../../platform/scope.js'
import type { Work } from '../../platform/work.js'
import { unitFilterScope } from '../units/tree.js'
import { childColumns, type ColumnDefinition } from './columns.js'
import { exportCell, type ExportLanguage } from './export-values.js'
import { listChildren, type ChildFilter } from './repository.js'
import { foldName } from './rules.js'
import type { ExportChildrenQuery } from './schemas.js'
import { canSeeSensitive, groupFilter, toChildSummary, today } from './service.js'

const batchSize = 1000

/**
 * The rows of an export, by name, each batch read in a transaction of its own under the caller's
 * scope (constant memory on a million rows; no transaction held while the client reads).
 */
async function* exportRows(
  db: Db,
  scope: Scope,
  filter: ChildFilter,
  options: { sensitive: boolean; columns: readonly ColumnDefinition[]; language: ExportLanguage },
): AsyncGenerator<CellValue[]> {
  let after: (string | number)[] | undefined
  for (;;) {
    const batch = await inScope(db, scope, (tx) =>
      listChildren(tx, scope, filter, { sensitive: options.sensitive, after, limit: batchSize, orderByName: true }),
    )
    for (const row of batch) {
      const summary = { ...row, ...toChildSummary(row, filter.asOf) }
      yield options.columns.map((column) =>
        exportCell(column.key, (summary as Record<string, unknown>)[column.key], options.language),
      )
    }
    const last = batch[batch.length - 1]
    if (!last || batch.length < batchSize) return
    after = [last.nameFolded ?? '', last.id]
  }
}

/**
 * An export of the registry list: checks the filters (a sensitive group needs registry:sensitive),
 * audits the export, and answers the file's format, name, header row and rows (read as they stream,
 * after this work has committed). Sensitive columns only for callers with registry:sensitive.
 */
export async function exportChildren(work: Work, query: Static<typeof ExportChildrenQuery>) {
  const sensitive = canSeeSensitive(work.principal)
  const { format, headers: language = 'vi', unit, group, q, asOf: requestedAsOf, ...rest } = query
  const groupCode = groupFilter(group, sensitive)
  const asOf = requestedAsOf ?? today(work)
  const filter: ChildFilter = {
    ...rest,
    group: groupCode,
    q: q === undefined ? undefined : foldName(q),
    asOf,
    unitScope: unitFilterScope(await work.unitTree(), unit),
    sharingConsentOn: sharingConsentDay(work),
  }
  const columns = childColumns.filter((column) => !column.importOnly && (sensitive || !column.sensitive))
  await work.audit({
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
  return {
    format,
    filename: `children-${asOf.replace(/-/g, '')}.${format}`,
    headerRow: columns.map((column) => (language === 'vi' ? column.vi : column.en)),
    layout: {
      widths: columns.map((column) => column.width ?? 14),
      dates: language === 'vi' ? ('dd/mm/yyyy' as const) : ('iso' as const),
    },
    rows: exportRows(work.request.server.database.db, work.scope, filter, { sensitive, columns, language }),
  }
}
