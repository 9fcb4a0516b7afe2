/**
 * `npm run contract:problems`: runs the tests with the problem-code check recording instead of refusing
 * (PROBLEM_CODES_RECORD), then adds every code an operation answered to openapi/problem-codes.json.
 *
 *   npm run contract:problems -- [--replace] [--postgres=<url>] [tap arguments: test files, --jobs=N]
 *
 * Without test files the whole suite runs. A run adds to the declaration, so a few files record only what
 * they add; --replace rebuilds the operations from this run alone (run the whole suite, on both databases).
 * The run uses the environment it is given (PGlite unless DATABASE_URL is set); --postgres=<url> runs it on
 * PGlite and then on that PostgreSQL server, since a code may be answered on one database only. The
 * declaration keeps to the operations the contract has, and leaves out what their common groups give them.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { generateOpenApiDocument } from '../../src/platform/openapi-document.js'
import {
  problemCodesFile,
  readProblemCodeDeclaration,
  serialiseProblemCodeDeclaration,
  type CommonGroup,
} from '../../src/platform/problem-codes.js'
import { fitToOperations, mergeObservations, readObservations } from '../../src/platform/problem-codes-recording.js'

const tapPackage = createRequire(import.meta.url).resolve('tap/package.json')
const tapBin = join(
  dirname(tapPackage),
  (JSON.parse(readFileSync(tapPackage, 'utf8')) as { bin: { tap: string } }).bin.tap,
)

const args = process.argv.slice(2)
const replace = args.includes('--replace')
const postgres = args.find((arg) => arg.startsWith('--postgres='))?.slice('--postgres='.length)
const tapArgs = args.filter((arg) => arg !== '--replace' && !arg.startsWith('--postgres='))
if (args.includes('--postgres')) {
  process.stderr.write('--postgres takes its URL after "=": --postgres=postgres://…\n')
  process.exit(2)
}
// A rebuild from a few files would drop every other operation's codes.
if (replace && tapArgs.some((arg) => !arg.startsWith('-'))) {
  process.stderr.write('--replace rebuilds the declaration from the whole suite: give it no test files\n')
  process.exit(2)
}

/** One tap run recording into `directory`; true when every test passed. */
function run(label: string, directory: string, databaseUrl: string | undefined, extraArgs: string[]): boolean {
  const environment: NodeJS.ProcessEnv = {
    ...process.env,
    TS_NODE_PROJECT: process.env.TS_NODE_PROJECT ?? join(process.cwd(), 'tsconfig.tap.json'),
    PROBLEM_CODES_RECORD: directory,
  }
  if (databaseUrl === undefined) delete environment.DATABASE_URL
  else environment.DATABASE_URL = databaseUrl
  const started = Date.now()
  process.stdout.write(`\n=== recording problem codes: ${label} ===\n`)
  const result = spawnSync(process.execPath, [tapBin, '--disable-coverage', ...extraArgs, ...tapArgs], {
    stdio: 'inherit',
    env: environment,
  })
  process.stdout.write(`=== ${label}: ${((Date.now() - started) / 60_000).toFixed(1)} min, exit ${result.status} ===\n`)
  return result.status === 0
}

const passes: [string, string | undefined, string[]][] = postgres
  ? [
      ['PGlite', undefined, []],
      // On PostgreSQL a test file waits on the server much of the time (as in CI).
      ['PostgreSQL', postgres, tapArgs.some((arg) => arg.startsWith('--jobs')) ? [] : ['--jobs=3']],
    ]
  : [[process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite', process.env.DATABASE_URL, []]]
const directory = mkdtempSync(join(tmpdir(), 'problem-codes-'))
let failed: typeof passes
let observations: ReturnType<typeof readObservations>
try {
  failed = passes.filter(([label, url, extra]) => !run(label, join(directory, label), url, extra))
  observations = passes.flatMap(([label]) => readObservations(join(directory, label)))
} finally {
  rmSync(directory, { recursive: true, force: true })
}
const before = readProblemCodeDeclaration()
const document = (await generateOpenApiDocument()) as {
  paths: Record<string, Record<string, { operationId: string; 'x-common-problem-codes': CommonGroup[] }>>
}
const groupsByOperation = new Map(
  Object.values(document.paths)
    .flatMap((methods) => Object.values(methods))
    .map((operation) => [operation.operationId, operation['x-common-problem-codes']] as const),
)
// A failed run has not answered all it would: adding what it saw is safe, rebuilding from it is not.
if (replace && failed.length > 0) {
  process.stdout.write(`\ntests failed on ${failed.map(([label]) => label).join(' and ')}: nothing written\n`)
  process.exit(1)
}
const after = fitToOperations(mergeObservations(before, observations, { replace }), groupsByOperation)
writeFileSync(problemCodesFile, serialiseProblemCodeDeclaration(after))

const count = (declaration: typeof before) =>
  Object.values(declaration.operations).reduce(
    (sum, byStatus) => sum + Object.values(byStatus).reduce((n, codes) => n + codes.length, 0),
    0,
  )
process.stdout.write(
  `\nopenapi/problem-codes.json: ${Object.keys(after.operations).length} operations, ${count(after)} codes ` +
    `(${count(before)} before${replace ? ', replaced' : ''}). Next: npm run openapi && npm run client:generate\n`,
)
if (failed.length > 0) {
  process.stdout.write(`tests failed on ${failed.map(([label]) => label).join(' and ')}: read the run above\n`)
  process.exit(1)
}
