import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'

/**
 * Environment for a child process started by a test: without tap's coverage hooks, so that the child
 * (run through tsx, with its own source maps) does not distort the suite's coverage of the same files.
 */
export function childEnvironment(overrides: Record<string, string>): NodeJS.ProcessEnv {
  const environment: NodeJS.ProcessEnv = {}
  for (const [name, value] of Object.entries(process.env)) {
    if (name === 'NODE_OPTIONS' || name.startsWith('_TAPJS') || name.startsWith('TAP')) continue
    environment[name] = value
  }
  return { ...environment, ...overrides }
}

export interface ServerProcess {
  child: ChildProcess
  base: string
  ready: boolean
  /** An administrator's bearer token, from the bootstrap account. */
  token: () => Promise<string>
  exited: Promise<number | null>
}

const adminUsername = 'test.admin'
const adminPassword = 'a long bootstrap passphrase'

/** `src/server.ts` in a process of its own on the embedded database, up and ready (or `ready` false after a minute). */
export async function startServerProcess(env: Record<string, string>, stdio: 'inherit' | 'pipe' = 'pipe'): Promise<ServerProcess> {
  const port = 21_000 + Math.floor(Math.random() * 20_000)
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    env: childEnvironment({
      DATABASE_URL: '',
      DATA_DIR: mkdtempSync(join(tmpdir(), 'cps-process-')),
      PORT: String(port),
      LOG_LEVEL: 'warn',
      BOOTSTRAP_ADMIN_USERNAME: adminUsername,
      BOOTSTRAP_ADMIN_PASSWORD: adminPassword,
      ...env,
    }),
    stdio: ['ignore', stdio === 'inherit' ? 'ignore' : 'pipe', stdio],
  })
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  const base = `http://127.0.0.1:${port}`
  let ready = false
  for (let attempt = 0; attempt < 240 && !ready; attempt++) {
    await sleep(250)
    ready = await fetch(`${base}/health/ready`).then((r) => r.status === 200, () => false)
  }
  const token = async () => {
    const response = await fetch(`${base}/v1/auth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ grant_type: 'password', username: adminUsername, password: adminPassword }),
    })
    return ((await response.json()) as { access_token: string }).access_token
  }
  return { child, base, ready, token, exited }
}
