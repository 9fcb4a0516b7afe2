import { getTableColumns, type Column, type InferSelectModel } from 'drizzle-orm'
import type { PgTable } from 'drizzle-orm/pg-core'

const columnLists = new WeakMap<PgTable, readonly (readonly [key: string, column: Column])[]>()

function columnsOf(table: PgTable): readonly (readonly [string, Column])[] {
  let columns = columnLists.get(table)
  if (!columns) {
    columns = Object.entries(getTableColumns(table))
    columnLists.set(table, columns)
  }
  return columns
}

/**
 * A row PostgreSQL rendered as JSON (`row_to_json`, `json_agg`), read back as drizzle would have read
 * the same row from a SELECT: keys by property name, each value through its column's own mapping
 * (timestamps to Date, bigint to number, …).
 */
export function rowFromJson<T extends PgTable>(table: T, json: Record<string, unknown>): InferSelectModel<T> {
  const row: Record<string, unknown> = {}
  for (const [key, column] of columnsOf(table)) {
    const value = json[column.name]
    row[key] = value === null || value === undefined ? null : column.mapFromDriverValue(value)
  }
  return row as InferSelectModel<T>
}
