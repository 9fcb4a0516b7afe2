import { getTableColumns, sql, type Column, type InferInsertModel, type InferSelectModel, type SQL } from 'drizzle-orm'
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

/** Each table's column list for a set of given properties, rendered once: "a", "b", … */
const columnTexts = new WeakMap<PgTable, Map<string, SQL>>()

function columnText(table: PgTable, given: readonly (readonly [string, Column])[]): SQL {
  let byKeys = columnTexts.get(table)
  if (!byKeys) columnTexts.set(table, (byKeys = new Map<string, SQL>()))
  const keys = given.map(([key]) => key).join(',')
  let text = byKeys.get(keys)
  if (!text) {
    text = sql.raw(given.map(([, column]) => `"${column.name}"`).join(', '))
    byKeys.set(keys, text)
  }
  return text
}

/**
 * An INSERT of `rows`, returning every column, whose values travel as one JSON parameter read by
 * `json_populate_recordset` rather than as one parameter each: the statement's text is the same for any
 * number of rows, and building it costs a handful of chunks instead of one per value (on the busiest write
 * paths, drizzle's building of a wide INSERT cost more Node time than PostgreSQL spent running it). The
 * columns are those any row gives; a row that leaves one out writes null there, so a column with a
 * default must be given by every row or by none.
 */
export function insertRowsAsJson<T extends PgTable>(table: T, rows: readonly InferInsertModel<T>[]): SQL {
  if (rows.length === 0) throw new Error('an INSERT needs at least one row')
  const given = columnsOf(table).filter(([key]) =>
    rows.some((row) => (row as Record<string, unknown>)[key] !== undefined),
  )
  const values = rows.map((row) => {
    const json: Record<string, unknown> = {}
    for (const [key, column] of given) {
      const value = (row as Record<string, unknown>)[key]
      if (value === undefined && column.hasDefault)
        throw new Error(`${column.name} is given by some rows and not others`)
      json[column.name] =
        value === null || value === undefined
          ? null
          : column.dataType === 'json'
            ? value
            : column.mapToDriverValue(value)
    }
    return json
  })
  const columns = columnText(table, given)
  return sql`insert into ${table} (${columns}) select ${columns} from json_populate_recordset(null::${table}, ${JSON.stringify(values)}::json) returning *`
}
