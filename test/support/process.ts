import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Test } from 'tap'

/**
 * Environment for a child process started by a test: without tap's coverage, so that the child (run
 * through tsx, with its own transpiled code and source maps) does not distort the suite's coverage of the
 * same files. Leaving tap's variables out is not enough: tap wraps `spawn` and puts its hooks back, and
 * they record coverage unless told not to. A child's coverage merged with the test processes' once
 * reported 98% of one file and failed the branch floor, depending on which source map was read last.
 */
export function childEnvironment(overrides: Record<string, string>): NodeJS.ProcessEnv {
  const environment: NodeJS.ProcessEnv = {}
  for (const [name, value] of Object.entries(process.env)) {
    if (name === 'NODE_OPTIONS' || name.startsWith('_TAPJS') || name.startsWith('TAP')) continue
    environment[name] = value
  }
  return { ...environment, _TAPJS_PROCESSINFO_COVERAGE_: '0', ...overrides }
}

export interface ServerProcess {
  child: ChildProcess
  /** http://127.0.0.1:<port>, or '' when the server never listened. */
  base: string
  dataDir: string
  ready: boolean
  /** Everything the process wrote so far (its JSON log and stderr). */
  output: () => string
  /** An administrator's bearer token, from the bootstrap account. */
  token: () => Promise<string>
  exited: Promise<number | null>
}

const adminUsername = 'test.admin'
const adminPassword = 'a long bootstrap passphrase'

/**
 * A fresh embedded database takes seconds to create and migrate, and many times that on a loaded
 * machine; the deadline only stops a test that would otherwise hang.
 */
const startDeadlineMs = 240_000

/**
 * `src/server.ts` in a process of its own on the embedded database. It listens on a port the system
 * chooses, read back from its "Server listening" log line, so no two tests ever race for one. Resolves
 * once it listens (`ready`), or when it exits first or the deadline passes (`ready` false, `output`
 * says why). The process is killed when the test ends, whatever happened.
 */
export async function startServerProcess(t: Test, env: Record<string, string>): Promise<ServerProcess> {
  const dataDir = env.DATA_DIR ?? mkdtempSync(join(tmpdir(), 'cps-process-'))
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    env: childEnvironment({
      DATABASE_URL: '',
      PORT: '0',
      LOG_LEVEL: 'info',
      BOOTSTRAP_ADMIN_USERNAME: adminUsername,
      BOOTSTRAP_ADMIN_PASSWORD: adminPassword,
      ...env,
      DATA_DIR: dataDir,
    }),
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  })
  let output = ''
  let address = ''
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  const listening = new Promise<string>((resolve) => {
    const collect = (chunk: Buffer) => {
      output += chunk.toString('utf8')
      // A server under load logs every request: keep the tail only, once the address is known.
      if (address && output.length > 1_000_000) output = output.slice(-100_000)
      address ||= /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1] ?? ''
      if (address) resolve(address)
    }
    child.stdout.on('data', collect)
    child.stderr.on('data', collect)
  })
  let deadline: NodeJS.Timeout | undefined
  const base = await Promise.race([
    listening,
    exited.then(() => ''),
    new Promise<string>((resolve) => (deadline = setTimeout(() => resolve(''), startDeadlineMs))),
  ])
  clearTimeout(deadline)
  const token = async () => {
    const response = await fetch(`${base}/v1/auth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ grant_type: 'password', username: adminUsername, password: adminPassword }),
    })
    return ((await response.json()) as { access_token: string }).access_token
  }
  return { child, base, dataDir, ready: base !== '', output: () => output, token, exited }
}

/** A JSON request to a server process with a bearer token; the body parsed (null when it is not JSON). */
export async function serverApi(server: ServerProcess, token: string, path: string, init: RequestInit = {}) {
  const response = await fetch(`${server.base}${path}`, {
    ...init,
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      ...(init.headers as Record<string, string>),
    },
  })
  return { status: response.status, body: (await response.json().catch(() => null)) as Record<string, unknown> | null }
}
