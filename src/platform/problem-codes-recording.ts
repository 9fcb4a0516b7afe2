/**
 * Recording the problem codes a test run answers, to write them into openapi/problem-codes.json: each process
 * appends what it saw to a file of its own (tap runs test files in parallel processes), and
 * `npm run contract:problems` merges the files of a run into the declaration.
 */
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import {
  commonCodes,
  unite,
  type CodesByStatus,
  type CommonGroup,
  type ProblemCodeDeclaration,
} from './problem-codes.js'

/** A problem answered with a code no common group gives its operation; operationId null when it reached none. */
export interface ProblemObservation {
  operationId: string | null
  status: string
  code: string
}

/** Appends each observation once to this process's file in `directory`. */
export function problemCodeRecorder(directory: string): (observation: ProblemObservation) => void {
  mkdirSync(directory, { recursive: true })
  const file = join(directory, `problem-codes-${process.pid}.ndjson`)
  const seen = new Set<string>()
  return (observation) => {
    const line = JSON.stringify(observation)
    if (seen.has(line)) return
    seen.add(line)
    appendFileSync(file, `${line}\n`)
  }
}

/** What the processes of a run recorded in `directory` (none when no process made it). */
export function readObservations(directory: string): ProblemObservation[] {
  if (!existsSync(directory)) return []
  return readdirSync(directory)
    .filter((name) => name.endsWith('.ndjson'))
    .flatMap((name) => readFileSync(join(directory, name), 'utf8').split('\n'))
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as ProblemObservation)
}

/**
 * The declaration with these observations added. `replace` starts the operations afresh (a full run, which
 * also drops operations renamed or gone); the common groups are kept, and a code answered with no operation
 * is added to theirs.
 */
export function mergeObservations(
  declaration: ProblemCodeDeclaration,
  observations: readonly ProblemObservation[],
  options: { replace: boolean },
): ProblemCodeDeclaration {
  const operations: Record<string, CodesByStatus> = options.replace ? {} : { ...declaration.operations }
  let noOperation = declaration.common.noOperation ?? {}
  for (const { operationId, status, code } of observations) {
    const seen = { [status]: [code] }
    if (operationId === null) noOperation = unite([noOperation, seen])
    else operations[operationId] = unite([operations[operationId] ?? {}, seen])
  }
  return { ...declaration, common: { ...declaration.common, noOperation }, operations }
}

/**
 * The declaration kept to the operations the service has (operationId → the common groups it answers from, as
 * the contract names them): an operation gone or renamed is dropped, and so is a code one of its common groups
 * already gives it (a group that grew).
 */
export function fitToOperations(
  declaration: ProblemCodeDeclaration,
  groupsByOperation: ReadonlyMap<string, readonly CommonGroup[]>,
): ProblemCodeDeclaration {
  const operations: Record<string, CodesByStatus> = {}
  for (const [operationId, byStatus] of Object.entries(declaration.operations)) {
    const groups = groupsByOperation.get(operationId)
    if (!groups) continue
    const common = commonCodes(declaration, groups)
    const own = Object.entries(byStatus)
      .map(([status, codes]) => [status, codes.filter((code) => !common[status]?.includes(code))] as const)
      .filter(([, codes]) => codes.length > 0)
    if (own.length > 0) operations[operationId] = Object.fromEntries(own)
  }
  return { ...declaration, operations }
}
