import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { lockDataDirectory, lockFileName } from '../../src/db/embedded-lock.js'
import { onPostgres } from '../support/app.js'
import { childEnvironment, serverApi, startServerProcess } from '../support/process.js'

const skip = onPostgres && 'the embedded database only'

t.test(
  'one process holds a data folder; a second is refused by name; a dead or reborn holder’s lock is taken over',
  async (t) => {
    const folder = mkdtempSync(join(tmpdir(), 'cps-lock-'))
    const release = lockDataDirectory(folder)
    const lock = join(folder, lockFileName)
    const held = JSON.parse(readFileSync(lock, 'utf8')) as { pid: number; started: string; bootId: string }
    t.match(held, { pid: process.pid, started: /^\d+$/, bootId: /\S/ })
    t.throws(
      () => lockDataDirectory(folder),
      {
        name: 'DataDirectoryInUse',
        message: new RegExp(
          `in use by process ${process.pid} .*--url.*delete ${lock.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}`,
        ),
      },
      'even this process may not open it twice, and is told why and what to do',
    )
    release()
    t.notOk(existsSync(lock), 'released on close')

    const lockedBy = (owner: Record<string, unknown>) =>
      writeFileSync(lock, JSON.stringify({ since: '2026-01-01T00:00:00.000Z', ...owner }))
    const takenOver = (name: string) => {
      const again = lockDataDirectory(folder)
      t.match(JSON.parse(readFileSync(lock, 'utf8')), { pid: process.pid }, name)
      again()
    }
    const gone = spawnSync(process.execPath, ['-e', 'process.exit(0)'])
    lockedBy({ pid: gone.pid, started: '1', bootId: held.bootId })
    takenOver('a lock whose process has ended is taken over')
    lockedBy({ pid: process.pid, started: String(Number(held.started) - 1), bootId: held.bootId })
    takenOver('a live pid started at another moment is another process (a container’s pid 1 after a restart)')
    lockedBy({ pid: process.pid, started: held.started, bootId: 'a-boot-before-the-last-reboot' })
    takenOver('a lock from before a reboot is taken over')
    writeFileSync(lock, '{"pid": ')
    takenOver('a damaged lock is taken over')

    const sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 600000)'], { stdio: 'ignore' })
    t.teardown(() => sleeper.kill('SIGKILL'))
    const stat = readFileSync(`/proc/${sleeper.pid}/stat`, 'utf8')
    lockedBy({ pid: sleeper.pid, started: stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19], bootId: held.bootId })
    t.throws(
      () => lockDataDirectory(folder),
      { name: 'DataDirectoryInUse', message: new RegExp(`process ${sleeper.pid}`) },
      'another live process’s lock stands',
    )
  },
)

/** Runs `cps` (src/cli.ts) with this environment; resolves with its exit code and output. */
function cps(args: string[], env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
    env: childEnvironment({ DATABASE_URL: '', ...env }),
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout.on('data', (chunk) => (output += chunk))
  child.stderr.on('data', (chunk) => (output += chunk))
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, output })))
}

t.test(
  'a second process on a running service’s data folder is refused, and --url imports through the service instead',
  { skip },
  async (t) => {
    const server = await startServerProcess(t, {})
    t.ok(server.ready, 'the service is up')
    if (!server.ready) return t.comment(server.output())
    const token = await server.token()
    const folder = mkdtempSync(join(tmpdir(), 'cps-lock-import-'))
    const file = join(folder, 'tre-em.csv')
    writeFileSync(
      file,
      'externalId,fullName,sex,dateOfBirth,wardCode\nL-1,Trẻ Khóa Một,female,2018-01-01,00301-2025\nL-2,Trẻ Khóa Hai,male,2019-02-02,00301-2025\n',
    )

    const direct = await cps(['import', 'children', file], { DATA_DIR: server.dataDir })
    t.equal(direct.code, 1, 'refused with a non-zero exit')
    t.match(direct.output, new RegExp(`in use by process ${server.child.pid}`), 'naming the process')
    t.match(direct.output, /--url/, 'and saying how to import instead')
    const throughApi = await cps(['import', 'children', file, '--url', server.base], { CPS_TOKEN: token })
    t.equal(throughApi.code, 0, 'the import through the service’s API succeeds')
    if (throughApi.code !== 0) t.comment(throughApi.output)
    t.match(throughApi.output, /2 created/)
    const listed = await serverApi(server, token, '/v1/children?limit=10')
    t.equal((listed.body!.items as unknown[]).length, 2, 'the service sees what was imported')

    server.child.kill('SIGTERM')
    t.equal(await server.exited, 0)
    const restarted = await startServerProcess(t, { DATA_DIR: server.dataDir })
    t.ok(restarted.ready, 'it starts again on the same folder')
    const again = await restarted.token()
    t.equal(
      ((await serverApi(restarted, again, '/v1/children?limit=10')).body!.items as unknown[]).length,
      2,
      'the data is there',
    )
    t.match(
      (await serverApi(restarted, again, '/v1/audit-events/verify')).body,
      { ok: true },
      'the audit chain verifies',
    )
  },
)
