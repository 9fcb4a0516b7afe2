/**
 * `cps import children|households FILE`: the same import as POST /v1/imports, run directly against the
 * database as a user of the service (their role and units decide what each row may touch), with a
 * progress bar on a terminal and a summary at the end.
 */
import { randomUUID } from 'node:crypto'
import { createWriteStream, statSync } from 'node:fs'
import { extname } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { parseArgs } from 'node:util'
import { and, asc, eq } from 'drizzle-orm'
import type { Database } from '../../db/client.js'
import type { Principal } from '../../platform/auth.js'
import { systemClock } from '../../platform/clock.js'
import { findUserByUsername } from '../users/repository.js'
import { PrincipalDirectory } from '../users/principals.js'
import { users } from '../users/tables.js'
import { ImportFileError, openImportFile } from './parse.js'
import { errorsCsv, importView } from './report.js'
import { importKinds, importModes, type ImportFormat, type ImportKind, type ImportMode } from './rules.js'
import {
  columnsOf,
  createImport,
  defaultSource,
  discardImport,
  processImport,
  stageFile,
  type ImportRuntime,
} from './service.js'
import { formatsByExtension } from './upload.js'

export const importUsage = `import children|households FILE [--dry-run] [--source S] [--mode atomic|partial] [--as USERNAME] [--errors PATH]
              import a CSV, XLSX or NDJSON file as USERNAME (default: the first district administrator);
              --errors writes the rejected rows, with an error column, to PATH. Exit code 2 when rows were rejected.
              With --url http://HOST:PORT and a token in CPS_TOKEN (or --token TOKEN, which other users of the
              machine can see in its process list), the file goes through that running service's API
              (POST /v1/imports) as the token's account, instead of to the database directly.`

/** Exit codes: 0 imported, 1 could not run (arguments, account, unreadable file), 2 rows were rejected. */
export const exitCodes = { ok: 0, failed: 1, rejected: 2 } as const

export interface Terminal {
  write(text: string): void
  isTTY: boolean
}

/** One line, redrawn in place on a terminal; elsewhere (a log, a pipe) nothing until the summary. */
export function progressBar(terminal: Terminal) {
  let last = 0
  return (label: string, done: number, total: number | null) => {
    if (!terminal.isTTY) return
    const now = Date.now()
    if (now - last < 100 && (total === null || done < total)) return
    last = now
    const width = 30
    const share = total ? Math.min(1, done / total) : 0
    const bar = total
      ? `[${'#'.repeat(Math.round(share * width)).padEnd(width, '.')}] ${String(Math.floor(share * 100)).padStart(3)}% `
      : ''
    terminal.write(
      `\r${label} ${bar}${done.toLocaleString('en')}${total ? `/${total.toLocaleString('en')}` : ''} rows   `,
    )
  }
}

async function principalFor(
  database: Database,
  directory: PrincipalDirectory,
  username: string | undefined,
): Promise<Principal | string> {
  const user = username
    ? await findUserByUsername(database.db, username)
    : (
        await database.db
          .select()
          .from(users)
          .where(and(eq(users.role, 'district_admin'), eq(users.active, true)))
          .orderBy(asc(users.createdAt))
          .limit(1)
      )[0]
  if (!user)
    return username
      ? `No account is named ${username}.`
      : 'No active district administrator exists; pass --as USERNAME.'
  if (!user.active) return `The account ${user.username} is deactivated.`
  const principal = await directory.forToken({ subject: { kind: 'user', id: user.id }, claims: {} })
  if (!principal.permissions.has('imports:run'))
    return `The account ${user.username} (${user.role}) may not import (imports:run).`
  return principal
}

export interface ImportArguments {
  kind: ImportKind
  path: string
  format: ImportFormat
  size: number
  values: {
    'dry-run': boolean
    source?: string
    mode: string
    as?: string
    errors?: string
    url?: string
    token?: string
  }
}

/** The import command's arguments, checked; or what is wrong with them, as a message ending in the usage. */
export function parseImportArguments(args: string[], where: 'local' | 'remote'): ImportArguments | string {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      'dry-run': { type: 'boolean', default: false },
      source: { type: 'string' },
      mode: { type: 'string', default: 'atomic' },
      as: { type: 'string' },
      errors: { type: 'string' },
      url: { type: 'string' },
      token: { type: 'string' },
    },
    strict: true,
  })
  const [kind, path] = positionals
  const format = formatsByExtension[extname(path ?? '').toLowerCase()]
  const problems = [
    !importKinds.includes(kind as ImportKind) ? 'the first argument must be children or households' : null,
    !path ? 'name the FILE to import' : !format ? 'the FILE must end in .csv, .xlsx, .ndjson or .jsonl' : null,
    !importModes.includes(values.mode as ImportMode) ? '--mode must be atomic or partial' : null,
    values.source !== undefined && !/^[A-Za-z0-9._:-]{1,50}$/.test(values.source)
      ? '--source must be 1-50 letters, digits or . _ : -'
      : null,
    where === 'remote' && values.as !== undefined
      ? '--as cannot be used with --url: the token decides who imports'
      : null,
    where === 'local' && values.token !== undefined ? '--token is for --url' : null,
  ].filter((problem): problem is string => problem !== null)
  if (problems.length > 0) return `import: ${problems.join('; ')}\n\nUsage: cps ${importUsage}\n`
  try {
    return { kind: kind as ImportKind, path: path!, format: format!, size: statSync(path!).size, values }
  } catch {
    return `import: cannot read ${path}\n`
  }
}

export async function importCommand(
  args: string[],
  database: Database,
  options: { useAppRole: boolean; stdout?: Terminal; stderr?: Terminal },
): Promise<number> {
  const stdout = options.stdout ?? {
    write: (text: string) => void process.stdout.write(text),
    isTTY: Boolean(process.stdout.isTTY),
  }
  const stderr = options.stderr ?? {
    write: (text: string) => void process.stderr.write(text),
    isTTY: Boolean(process.stderr.isTTY),
  }
  const parsed = parseImportArguments(args, 'local')
  if (typeof parsed === 'string') {
    stderr.write(parsed)
    return exitCodes.failed
  }
  const { kind, path, format, size, values } = parsed

  if (options.useAppRole) await database.useAppRole()
  const directory = new PrincipalDirectory(database, systemClock, 0)
  const principal = await principalFor(database, directory, values.as)
  if (typeof principal === 'string') {
    stderr.write(`import: ${principal}\n`)
    return exitCodes.failed
  }
  const runtime: ImportRuntime = {
    database,
    clock: systemClock,
    unitTree: () => directory.unitTree(),
    concurrency: database.kind === 'postgres' ? 2 : 1,
    batchSize: 1000,
  }
  const importKind = kind
  const show = progressBar(stderr)
  const started = Date.now()
  let record
  try {
    const file = await openImportFile(importKind, format, { path }, columnsOf(importKind))
    record = await createImport(runtime, principal, {
      kind: importKind,
      format,
      mode: values.mode as ImportMode,
      dryRun: values['dry-run'],
      source: values.source ?? defaultSource(principal),
      fileName: path,
    })
    const created = record
    await stageFile(runtime, record, file, (rows) => show('reading  ', rows, null)).catch(async (error: unknown) => {
      await discardImport(runtime, created.id)
      throw error
    })
  } catch (error) {
    if (!(error instanceof ImportFileError)) throw error
    if (stderr.isTTY) stderr.write('\n')
    stderr.write(`import: ${path} cannot be imported (${error.code}): ${error.message}\n`)
    return exitCodes.failed
  }
  const finished = await processImport(runtime, record.id, principal, {
    requestId: `cli-${randomUUID()}`,
    onProgress: (done, total) => show('importing', done, total),
  })
  if (stderr.isTTY) stderr.write('\n')
  const view = await importView(database.db, finished, 20)
  writeSummary(stdout, view, { path, size, actor: principal.name, seconds: (Date.now() - started) / 1000 })
  if (values.errors && view.counts.rejected > 0) {
    await pipeline(await errorsCsv(database.db, finished), createWriteStream(values.errors))
    stdout.write(`  rejected rows written to ${values.errors}\n`)
  }
  return importExitCode(view)
}

export type ImportView = Awaited<ReturnType<typeof importView>>

export function importExitCode(view: Pick<ImportView, 'counts' | 'state'>): number {
  return view.counts.rejected > 0 || view.state === 'failed' ? exitCodes.rejected : exitCodes.ok
}

/** The end of an import on the terminal, the same whether it ran here or through a service's API. */
export function writeSummary(
  stdout: Terminal,
  view: ImportView,
  run: { path: string; size: number; actor: string; seconds: number },
): void {
  const { counts } = view
  stdout.write(
    `${view.dryRun ? 'Dry run of ' : ''}${run.path} (${(run.size / 1024 / 1024).toFixed(1)} MiB) as ${run.actor}, source ${view.source}, mode ${view.mode}: ` +
      `${view.state}${view.failure ? ` (${view.failure.code})` : ''}\n` +
      `  ${view.rowsRead} rows in ${run.seconds.toFixed(1)} s: ${counts.created} created, ${counts.updated} updated, ` +
      `${counts.unchanged} unchanged, ${counts.rejected} rejected, ${counts.warnings} with warnings\n` +
      `  import ${view.id}\n`,
  )
  for (const row of view.problems) {
    for (const problem of row.problems) {
      stdout.write(
        `  row ${row.row}${problem.column ? `, ${problem.column}` : ''}: ${problem.severity} ${problem.code}: ${problem.message}\n`,
      )
    }
  }
  if (view.problemsNextCursor) stdout.write('  … more in GET /v1/imports/{id}/problems\n')
}
