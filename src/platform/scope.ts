import { or, sql, type Column, type SQL } from 'drizzle-orm'
import { quoteLiteral, transactionOpenedWith, type Db, type OpenedRows, type Tx } from '../db/client.js'

/**
 * A principal's jurisdiction: the wards and residential groups whose records it may see. Resolved from
 * the account's assigned units on every request (never frozen in a token).
 */
export interface Scope {
  /** Every unit: only for the service's own jobs, never for a person or client. */
  all: boolean
  wards: readonly string[]
  groups: readonly string[]
}

export const systemScope: Scope = { all: true, wards: [], groups: [] }

export interface UnitNode {
  code: string
  level: 'province' | 'district' | 'ward' | 'residential_group'
  parentCode: string | null
  /** Last day the unit existed; null while it does. */
  validTo?: string | null
  /** The wards this ward succeeded (the 2025 reorganisation): their records are its own until re-homed. */
  predecessors?: readonly string[]
}

/** Pure: each unit's code → the units directly below it. */
export function unitsByParent(tree: readonly UnitNode[]): Map<string, UnitNode[]> {
  const children = new Map<string, UnitNode[]>()
  for (const unit of tree) {
    if (!unit.parentCode) continue
    const list = children.get(unit.parentCode) ?? []
    list.push(unit)
    children.set(unit.parentCode, list)
  }
  return children
}

/**
 * Pure: the wards and residential groups at or below the assigned units, and by lineage the abolished
 * wards a ward in scope succeeded. What is still filed at an abolished ward belongs to every one of its
 * successors until it is re-homed (which moves it to one of them, and so out of the others' sight).
 */
export function resolveScope(tree: readonly UnitNode[], assigned: readonly string[]): Scope {
  const children = unitsByParent(tree)
  const byCode = new Map(tree.map((unit) => [unit.code, unit]))
  const wards = new Set<string>()
  const groups = new Set<string>()
  const visit = (unit: UnitNode) => {
    if (unit.level === 'ward') {
      wards.add(unit.code)
      // Only a ward that ceased to exist: a living neighbour that gave up part of its area stays its own.
      for (const code of unit.predecessors ?? []) {
        const predecessor = byCode.get(code)
        if (predecessor?.level === 'ward' && predecessor.validTo) wards.add(code)
      }
    }
    if (unit.level === 'residential_group') groups.add(unit.code)
    for (const child of children.get(unit.code) ?? []) visit(child)
  }
  for (const code of assigned) {
    const unit = byCode.get(code)
    if (unit) visit(unit)
  }
  // A group inside a ward already in scope adds nothing; keep the lists minimal for the predicates.
  const groupList = [...groups].filter((code) => {
    const parent = byCode.get(code)?.parentCode
    return !parent || !wards.has(parent)
  })
  return { all: false, wards: [...wards].sort(), groups: groupList.sort() }
}

/**
 * Pure: whether `caller` covers the unit `code` whole, every ward and residential group at or below it
 * (a unit with none, or unknown, is covered only by the system scope). What an administrator may manage.
 */
export function coversUnit(tree: readonly UnitNode[], caller: Scope, code: string): boolean {
  if (caller.all) return true
  // The unit's own wards and groups: what it succeeded is checked below, as every successor's.
  const unit = resolveScope(
    tree.map((node) => ({ ...node, predecessors: [] })),
    [code],
  )
  if (unit.wards.length === 0 && unit.groups.length === 0) return false
  const parentOf = new Map(tree.map((node) => [node.code, node.parentCode]))
  // An abolished ward belongs to every ward that succeeded it: managing it is for whoever holds them all.
  const successorsOf = (ward: string) =>
    tree.filter((node) => node.level === 'ward' && node.predecessors?.includes(ward)).map((node) => node.code)
  const heldWhole = (ward: string) => successorsOf(ward).every((successor) => caller.wards.includes(successor))
  return (
    unit.wards.every((ward) => caller.wards.includes(ward) && heldWhole(ward)) &&
    unit.groups.every((group) => isUnitInScope(caller, parentOf.get(group), group))
  )
}

/**
 * The first wall: the predicate every personal-data query adds for the caller's jurisdiction.
 * (Row-level security on PostgreSQL is the second wall, fed by `inScope`.)
 */
export function scopeCondition(scope: Scope, columns: { ward: Column; group: Column }): SQL {
  if (scope.all) return sql`true`
  const parts: SQL[] = []
  if (scope.wards.length > 0) parts.push(sql`${columns.ward} = any(${textArray(scope.wards)})`)
  if (scope.groups.length > 0) parts.push(sql`${columns.group} = any(${textArray(scope.groups)})`)
  return parts.length === 0 ? sql`false` : or(...parts)!
}

export function isUnitInScope(
  scope: Scope,
  ward: string | null | undefined,
  group: string | null | undefined,
): boolean {
  if (scope.all) return true
  return (!!ward && scope.wards.includes(ward)) || (!!group && scope.groups.includes(group))
}

/** Many values as one parameter: a Postgres array literal, each value quoted and escaped. */
export function arrayLiteral(values: readonly string[]): string {
  return `{${values.map((value) => `"${value.replace(/["\\]/g, '\\$&')}"`).join(',')}}`
}

/** Many strings as one `text[]` parameter, for `= any(…)` and `unnest(…)`. */
export function textArray(values: readonly string[]): SQL {
  return sql`${arrayLiteral(values)}::text[]`
}

/**
 * The jurisdiction as the settings row-level security reads (cps.scope_all, cps.scope_wards,
 * cps.scope_groups; see the policies' migrations): for `inScope`, and for database functions that set
 * them themselves.
 */
export function scopeSettings(scope: Scope): { all: 'on' | 'off'; wards: string; groups: string } {
  return { all: scope.all ? 'on' : 'off', wards: scope.wards.join(','), groups: scope.groups.join(',') }
}

/**
 * Runs `work` in one transaction carrying the caller's jurisdiction for row-level security. Every read
 * or write of personal data, and its audit event, goes through here (or through a database function
 * that takes `scopeSettings` and does the same within its one statement, such as cps_read_child).
 * `alsoFirst`, a statement of literals, runs right after the scope in the same round trip; `work` gets its
 * rows (undefined without it).
 */
export async function inScope<T>(
  db: Db,
  scope: Scope,
  work: (tx: Tx, opened: OpenedRows | undefined) => Promise<T>,
  alsoFirst?: string,
): Promise<T> {
  const settings = scopeSettings(scope)
  const setScope = `select set_config('cps.scope_all', ${quoteLiteral(settings.all)}, true),
            set_config('cps.scope_wards', ${quoteLiteral(settings.wards)}, true),
            set_config('cps.scope_groups', ${quoteLiteral(settings.groups)}, true)`
  if (!alsoFirst) return transactionOpenedWith(db, [setScope], (tx) => work(tx, undefined))
  return transactionOpenedWith(db, [setScope, alsoFirst], work)
}

/**
 * The first wall as SQL text with literals, for a statement that travels with the transaction's BEGIN
 * (`inScope`'s `alsoFirst`), where there are no parameters.
 */
export function scopeConditionText(scope: Scope, columns: { ward: string; group: string }): string {
  if (scope.all) return 'true'
  const parts: string[] = []
  if (scope.wards.length > 0) parts.push(`${columns.ward} = any(${quoteLiteral(arrayLiteral(scope.wards))}::text[])`)
  if (scope.groups.length > 0) parts.push(`${columns.group} = any(${quoteLiteral(arrayLiteral(scope.groups))}::text[])`)
  return parts.length === 0 ? 'false' : `(${parts.join(' or ')})`
}
