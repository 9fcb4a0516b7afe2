/**
 * The problem codes each operation can answer, by status, as openapi/problem-codes.json declares them: the
 * codes of one operation under its operationId, and once, under `common`, the codes that come from the
 * platform rather than from a route (a token refused, a body too large, a busy database), each group for the
 * operations its rule picks. The contract prints them (openapi.ts) and, outside production, the server holds
 * every problem it answers to them (checkDeclaredProblemCodes).
 */
import { readFileSync } from 'node:fs'
import { ifMatchRule } from './concurrency.js'

/** Status ("409") → the codes answered with it, sorted. */
export type CodesByStatus = Record<string, string[]>

/** The operations each common group is for, in the order the contract lists them. */
export const commonGroups = {
  everyOperation: 'every operation',
  withToken: 'every operation that takes a token (all but the public ones)',
  withPermission: 'every operation that needs a named permission',
  takingIfMatch: 'every operation that takes If-Match',
  requiringIfMatch: 'every operation that requires If-Match',
  takingIdempotencyKey: 'every operation that takes an Idempotency-Key',
  takingCursor: 'every operation that pages with a cursor',
  noOperation:
    'a request that reaches no operation (an unknown path or method, a malformed URL), besides the codes of every operation',
} as const

export type CommonGroup = keyof typeof commonGroups

export interface ProblemCodeDeclaration {
  common: Partial<Record<CommonGroup, CodesByStatus>>
  /** operationId → its own codes (those no common group gives it), as the test suite answered them. */
  operations: Record<string, CodesByStatus>
  /**
   * operationId → codes it can answer on a path no test reaches yet (a race, a file a test never sends), kept by
   * hand so that the contract lists them and the check lets them through; a recording never removes them.
   */
  unreached: Record<string, CodesByStatus>
}

/** Every code an operation declares of its own: those the suite answered and those kept by hand. */
export function operationCodes(declaration: ProblemCodeDeclaration, operationId: string): CodesByStatus {
  return unite([declaration.operations[operationId] ?? {}, declaration.unreached[operationId] ?? {}])
}

/** What of a route decides which common groups are its: as its options declare it. */
export interface RouteTraits {
  permission: string | undefined
  /** The responses the route itself declares (not those the contract adds to every operation). */
  responses: Record<string, unknown> | undefined
  config: { ifMatch?: 'to-replace'; idempotent?: unknown } | undefined
  querystring: unknown
}

export function commonGroupsOf(route: RouteTraits): CommonGroup[] {
  const permission = route.permission ?? 'public'
  const ifMatch = ifMatchRule(route.responses, route.config)
  const applies: Record<Exclude<CommonGroup, 'noOperation'>, boolean> = {
    everyOperation: true,
    withToken: permission !== 'public',
    withPermission: permission !== 'public' && permission !== 'authenticated',
    takingIfMatch: ifMatch !== 'none' || (route.responses !== undefined && '412' in route.responses),
    requiringIfMatch: ifMatch !== 'none',
    takingIdempotencyKey: Boolean(route.config?.idempotent),
    takingCursor: 'cursor' in ((route.querystring as { properties?: object } | undefined)?.properties ?? {}),
  }
  return (Object.keys(applies) as (keyof typeof applies)[]).filter((group) => applies[group])
}

/** The common codes of these groups, by status. */
export function commonCodes(declaration: ProblemCodeDeclaration, groups: readonly CommonGroup[]): CodesByStatus {
  return unite(groups.map((group) => declaration.common[group] ?? {}))
}

/** The union of several lists by status: statuses in numeric order, codes sorted and unique. */
export function unite(lists: readonly CodesByStatus[]): CodesByStatus {
  const united = new Map<string, Set<string>>()
  for (const list of lists)
    for (const [status, codes] of Object.entries(list)) {
      const set = united.get(status) ?? new Set<string>()
      for (const code of codes) set.add(code)
      united.set(status, set)
    }
  return Object.fromEntries(
    [...united.entries()]
      .sort(([a], [b]) => Number(a) - Number(b))
      .map(([status, codes]) => [status, [...codes].sort()]),
  )
}

export const problemCodesFile = new URL('../../openapi/problem-codes.json', import.meta.url)

export function readProblemCodeDeclaration(file: URL | string = problemCodesFile): ProblemCodeDeclaration {
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<ProblemCodeDeclaration>
  const isMap = (value: unknown) => typeof value === 'object' && value !== null && !Array.isArray(value)
  if (!isMap(parsed.common) || !isMap(parsed.operations) || !isMap(parsed.unreached ?? {}))
    throw new Error(`${String(file)} must hold "common", "operations" and "unreached", each an object`)
  return { common: parsed.common!, operations: parsed.operations!, unreached: parsed.unreached ?? {} }
}

const declarationComment =
  'operations: recorded from the test suite by `npm run contract:problems` (README.md); ' +
  'unreached: kept by hand, for the codes an operation answers on a path no test reaches; ' +
  'common: kept by hand, for the codes the platform answers to operations by the rule src/platform/problem-codes.ts gives each group'

export function serialiseProblemCodeDeclaration(declaration: ProblemCodeDeclaration): string {
  const sorted = (byOperation: Record<string, CodesByStatus>) =>
    Object.fromEntries(
      Object.keys(byOperation)
        .sort()
        .map((operationId) => [operationId, unite([byOperation[operationId] ?? {}])]),
    )
  const common = Object.fromEntries(
    (Object.keys(commonGroups) as CommonGroup[]).map((group) => [group, unite([declaration.common[group] ?? {}])]),
  )
  const json = JSON.stringify(
    {
      $comment: declarationComment,
      common,
      operations: sorted(declaration.operations),
      unreached: sorted(declaration.unreached),
    },
    null,
    2,
  )
  // One line a status: the file reads as a table, and a new code is a one-line change.
  return `${json.replace(/\[\s+("[^\]]*")\s+\]/g, (_list, codes: string) => `[${codes.split(/,\s+/).join(', ')}]`)}\n`
}
