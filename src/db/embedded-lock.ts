import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs'
import { hostname } from 'node:os'
import { join } from 'node:path'

/**
 * One process writes an embedded database. PGlite keeps the database in its own memory and writes its
 * files as it pleases; a second process on the same folder sees none of the first one's work and
 * overwrites its files, which loses data and breaks the audit chain. So the first process takes
 * DATA_DIR/cps.lock (its pid, host and start time) and every other one is refused while it lives.
 * A lock whose process is gone (killed, crashed) is taken over.
 */
export const lockFileName = 'cps.lock'

interface LockOwner {
  pid: number
  host: string
  since: string
}

export class DataDirectoryInUse extends Error {
  constructor(
    readonly dataDir: string,
    readonly owner: LockOwner,
  ) {
    super(
      `The embedded database in ${dataDir} is in use by process ${owner.pid} (since ${owner.since}). ` +
        'One process at a time may use it: stop that process first, or work through its API — to import a file into the ' +
        'running service: cps import children|households FILE --url http://HOST:PORT --token TOKEN. ' +
        `If no such process is running, delete ${join(dataDir, lockFileName)}.`,
    )
    this.name = 'DataDirectoryInUse'
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as { code?: string }).code === 'EPERM'
  }
}

function readOwner(path: string): LockOwner | null {
  try {
    const owner = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockOwner>
    return typeof owner.pid === 'number' && typeof owner.host === 'string' ? { pid: owner.pid, host: owner.host, since: String(owner.since) } : null
  } catch {
    return null
  }
}

/** Takes the folder's lock for this process or throws DataDirectoryInUse; returns the release. */
export function lockDataDirectory(dataDir: string, now: Date = new Date()): () => void {
  const path = join(dataDir, lockFileName)
  const mine: LockOwner = { pid: process.pid, host: hostname(), since: now.toISOString() }
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const descriptor = openSync(path, 'wx', 0o600)
      writeSync(descriptor, `${JSON.stringify(mine)}\n`)
      closeSync(descriptor)
      const release = () => {
        process.off('exit', release)
        if (readOwner(path)?.pid === process.pid) unlinkSync(path)
      }
      process.on('exit', release)
      return release
    } catch (error) {
      if ((error as { code?: string }).code !== 'EEXIST') throw error
    }
    const owner = readOwner(path)
    // Another host's lock on a shared folder cannot be checked from here: it stands. So does this
    // process's own: a second PGlite on the same folder in one process does the same harm.
    if (owner && (owner.host !== mine.host || alive(owner.pid))) throw new DataDirectoryInUse(dataDir, owner)
    try {
      unlinkSync(path)
    } catch (error) {
      if ((error as { code?: string }).code !== 'ENOENT') throw error
    }
  }
  throw new DataDirectoryInUse(dataDir, readOwner(path) ?? { pid: -1, host: 'unknown', since: 'unknown' })
}
