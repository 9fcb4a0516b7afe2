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
/** The list's filters an export takes (without the name search, which each export treats its own way). */
type ExportFilterQuery = Omit<ChildFilter, 'unitScope' | 'group' | 'q' | 'asOf' | 'sharingConsentOn'> & {
  unit?: string
  group?: string
  asOf?: string
}

/**
 * What every registry export reads with: the list's filters within the unit asked for, a sensitive group
 * only for a caller who may see it, on the day asked (today by default), and only the children whose
 * information sharing is consented to for a reader without the statutory duty.
 */
export async function childExportFilter(
  work: Work,
  { unit, group, asOf, ...rest }: ExportFilterQuery,
  sensitive: boolean,
): Promise<ChildFilter> {
  return {
    ...rest,
    group: groupFilter(group, sensitive),
    asOf: asOf ?? today(work),
    unitScope: unitFilterScope(await work.unitTree(), unit),
    sharingConsentOn: sharingConsentDay(work),
  }
}

/** Every registry export is audited alike: its format, its layout when not the list's, the filters' names. */
export async function auditChildExport(
  work: Work,
  query: { format: string },
  layout?: 'household_book',
): Promise<void> {
  await work.audit({
    action: 'child.export',
    resourceType: 'child',
    outcome: 'success',
    details: {
      format: query.format,
      ...(layout ? { layout } : {}),
      filters: Object.keys(query)
        .filter((key) => key !== 'format' && key !== 'headers')
        .sort(),
    },
  })
}

export async function exportChildren(work: Work, query: Static<typeof ExportChildrenQuery>) {
  const sensitive = canSeeSensitive(work.principal)
  const { format, headers: language = 'vi', q, ...filters } = query
  const filter: ChildFilter = {
    ...(await childExportFilter(work, filters, sensitive)),
    q: q === undefined ? undefined : foldName(q),
  }
  const asOf = filter.asOf
  const columns = childColumns.filter((column) => !column.importOnly && (sensitive || !column.sensitive))
  await auditChildExport(work, query)
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
