/**
 * `cps import … --url`: the same import, sent to a running service through its API rather than
 * written to the database directly — the way to import into an embedded database that the service
 * holds (one process at a time may use it), and into any deployment from a desk.
 */
import { createWriteStream, openAsBlob } from 'node:fs'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { setTimeout as sleep } from 'node:timers/promises'
import { formatsByContentType } from './upload.js'
import {
  exitCodes,
  importExitCode,
  parseImportArguments,
  progressBar,
  writeSummary,
  type ImportView,
  type Terminal,
} from './cli.js'

const contentTypes = Object.fromEntries(
  Object.entries(formatsByContentType).map(([type, format]) => [format, type]),
) as Record<string, string>

interface Problem {
  code?: string
  detail?: string
}

export async function importThroughApi(
  args: string[],
  options: { stdout: Terminal; stderr: Terminal; token?: string; pollIntervalMs?: number },
): Promise<number> {
  const { stdout, stderr } = options
  const parsed = parseImportArguments(args, 'remote')
  if (typeof parsed === 'string') {
    stderr.write(parsed)
    return exitCodes.failed
  }
  const { kind, path, format, size, values } = parsed
  const token = values.token ?? options.token
  let base: URL
  try {
    base = new URL(values.url ?? '')
  } catch {
    stderr.write(`import: --url must be the service's address, e.g. http://127.0.0.1:3000\n`)
    return exitCodes.failed
  }
  if (!token) {
    stderr.write(
      'import: --url needs a bearer token: --token TOKEN, or CPS_TOKEN in the environment (POST /v1/auth/token issues one)\n',
    )
    return exitCodes.failed
  }
  if (base.protocol === 'http:' && !['127.0.0.1', 'localhost', '[::1]'].includes(base.hostname)) {
    stderr.write(
      `import: warning: ${base.origin} is plain http: the token and the file cross the network unencrypted\n`,
    )
  }
  const headers = { authorization: `Bearer ${token}` }
  const query = new URLSearchParams({ kind, mode: values.mode, dryRun: String(values['dry-run']) })
  if (values.source) query.set('source', values.source)
  const started = Date.now()
  const request = async (url: URL, init: RequestInit = {}) => {
    try {
      return await fetch(url, { ...init, headers: { ...headers, ...(init.headers as Record<string, string>) } })
    } catch (error) {
      throw new Error(
        `import: the service at ${base.origin} cannot be reached (${(error as { cause?: { code?: string } }).cause?.code ?? 'no answer'})`,
      )
    }
  }
  const refused = async (response: Response) => {
    const problem = (await response.json().catch(() => ({}))) as Problem
    stderr.write(
      `import: ${path} was refused (${response.status} ${problem.code ?? ''}): ${problem.detail ?? response.statusText}\n`,
    )
    return exitCodes.failed
  }
  const sent = await request(new URL(`/v1/imports?${query.toString()}`, base), {
    method: 'POST',
    headers: { 'content-type': contentTypes[format]! },
    body: await openAsBlob(path),
  })
  if (sent.status !== 201 && sent.status !== 202) return refused(sent)
  let view = (await sent.json()) as ImportView
  const location = new URL(sent.headers.get('location') ?? `/v1/imports/${view.id}`, base)
  const show = progressBar(stderr)
  // The import goes on in the service whatever happens to this command: a busy or restarting service is
  // asked again (for up to ten minutes), never taken for a refusal.
  let unansweredSince: number | null = null
  while (view.state === 'queued' || view.state === 'running') {
    show('importing', view.rowsRead, null)
    const polled = await request(location).catch(() => null)
    if (polled?.status === 200) {
      unansweredSince = null
      view = (await polled.json()) as ImportView
      await sleep(options.pollIntervalMs ?? 1000)
      continue
    }
    if (polled && polled.status !== 429 && polled.status < 500) return refused(polled)
    unansweredSince ??= Date.now()
    if (Date.now() - unansweredSince > 10 * 60 * 1000) {
      stderr.write(
        `import: the service has not answered for ten minutes; import ${view.id} goes on there: GET /v1/imports/${view.id}\n`,
      )
      return exitCodes.failed
    }
    await sleep(Math.max(options.pollIntervalMs ?? 1000, Number(polled?.headers.get('retry-after') ?? 0) * 1000))
  }
  if (stderr.isTTY) stderr.write('\n')
  const me = await request(new URL('/v1/me', base))
  const actor = me.ok ? ((await me.json()) as { name: string }).name : 'the token’s account'
  writeSummary(stdout, view, { path, size, actor, seconds: (Date.now() - started) / 1000 })
  if (values.errors && view.counts.rejected > 0) {
    const errors = await request(new URL(`/v1/imports/${view.id}/errors.csv`, base))
    if (errors.status !== 200 || !errors.body) return refused(errors)
    await pipeline(Readable.fromWeb(errors.body), createWriteStream(values.errors))
    stdout.write(`  rejected rows written to ${values.errors}\n`)
  }
  return importExitCode(view)
}
