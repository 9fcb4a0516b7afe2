import { existsSync, linkSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs'
import { hostname } from 'node:os'
import { join } from 'node:path'

/**
 * One process writes an embedded database. PGlite keeps the database in its own memory and writes its
 * files as it pleases; a second process on the same folder sees none of the first one's work and
 * overwrites its files, which loses data and breaks the audit chain. So the first process takes
 * DATA_DIR/cps.lock and every other one is refused while the holder lives.
 *
 * The lock names its holder by pid, the process's start time and the machine's boot: a pid alone is
 * reused (a container's server is always pid 1, and after a reboot any pid may be someone else), so a
 * lock is held only while a process with that pid, started at that moment, in that boot, still runs.
 * It is written whole before it appears (a hard link of a finished file), and a stale one is taken over
 * by one process at a time. The lock is for one machine: a folder shared between machines is not guarded.
 */
export const lockFileName = 'cps.lock'

interface LockOwner {
  pid: number
  /** Clock ticks after boot at which the process started (/proc/<pid>/stat, field 22); '' where unknown. */
  started: string
  bootId: string
  host: string
  since: string
}

export class DataDirectoryInUse extends Error {
  constructor(
    readonly dataDir: string,
    readonly owner: Pick<LockOwner, 'pid' | 'since'>,
  ) {
    super(
      `The embedded database in ${dataDir} is in use by process ${owner.pid} (since ${owner.since}). ` +
        'One process at a time may use it: stop that process first, or work through its API — to import a file into the ' +
        'running service: cps import children|households FILE --url http://HOST:PORT (token in CPS_TOKEN). ' +
        `If no such process is running, delete ${join(dataDir, lockFileName)}.`,
    )
    this.name = 'DataDirectoryInUse'
  }
}

function readText(path: string): string | null {
  try {
    return readFileSync(path, 'utf8').trim()
  } catch {
    return null
  }
}

function bootId(): string {
  return readText('/proc/sys/kernel/random/boot_id') ?? ''
}

/** When the process with this pid started, in clock ticks after boot; null when there is no such process. */
function processStart(pid: number): string | null | undefined {
  const stat = readText(`/proc/${pid}/stat`)
  if (stat === null) return existsSync('/proc/self/stat') ? null : undefined
  // The command name (field 2) is in parentheses and may hold spaces: count fields after its closing one.
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? ''
}

function running(owner: LockOwner): boolean {
  if (owner.bootId && owner.bootId !== bootId()) return false
  const started = processStart(owner.pid)
  if (started === undefined) {
    // Without /proc (not Linux), only whether some process has the pid can be asked.
    try {
      process.kill(owner.pid, 0)
      return true
    } catch (error) {
      return (error as { code?: string }).code === 'EPERM'
    }
  }
  return started !== null && (owner.started === '' || started === owner.started)
}

function readOwner(path: string): LockOwner | null {
  const text = readText(path)
  if (text === null) return null
  try {
    const owner = JSON.parse(text) as Partial<LockOwner>
    if (typeof owner.pid !== 'number') return null
    return {
      pid: owner.pid,
      started: String(owner.started ?? ''),
      bootId: String(owner.bootId ?? ''),
      host: String(owner.host ?? ''),
      since: String(owner.since ?? ''),
    }
  } catch {
    return null
  }
}

/** Creates `path` with this content whole, or fails with EEXIST: a finished file linked into place. */
function createWhole(path: string, content: string): boolean {
  const draft = `${path}.${process.pid}.draft`
  writeFileSync(draft, content, { mode: 0o600 })
  try {
    linkSync(draft, path)
    return true
  } catch (error) {
    if ((error as { code?: string }).code === 'EEXIST') return false
    throw error
  } finally {
    unlinkSync(draft)
  }
}

/** A takeover left behind by a process that died in the middle of one is itself stale after this. */
const takeoverStaleMs = 30_000

/** Removes a stale lock, one process at a time: the one that creates the takeover marker. */
function takeOver(path: string, stale: string): void {
  const marker = `${path}.takeover`
  if (!createWhole(marker, String(process.pid))) {
    try {
      if (Date.now() - statSync(marker).mtimeMs > takeoverStaleMs) unlinkSync(marker)
    } catch {
      // gone meanwhile
    }
    return
  }
  try {
    // Only the very lock found stale is removed; one taken meanwhile by another process stays.
    if (readText(path) === stale) unlinkSync(path)
  } finally {
    unlinkSync(marker)
  }
}

/** Takes the folder's lock for this process or throws DataDirectoryInUse; returns the release. */
export function lockDataDirectory(dataDir: string, now: Date = new Date()): () => void {
  const path = join(dataDir, lockFileName)
  const mine: LockOwner = {
    pid: process.pid,
    started: processStart(process.pid) ?? '',
    bootId: bootId(),
    host: hostname(),
    since: now.toISOString(),
  }
  const content = `${JSON.stringify(mine)}\n`
  for (let attempt = 0; attempt < 20; attempt++) {
    if (createWhole(path, content)) {
      const release = () => {
        process.off('exit', release)
        if (readText(path) === content.trim()) unlinkSync(path)
      }
      process.on('exit', release)
      return release
    }
    const found = readText(path)
    const owner = readOwner(path)
    if (owner && running(owner)) throw new DataDirectoryInUse(dataDir, owner)
    if (found !== null) takeOver(path, found)
  }
  throw new DataDirectoryInUse(dataDir, readOwner(path) ?? { pid: -1, since: 'unknown' })
}
