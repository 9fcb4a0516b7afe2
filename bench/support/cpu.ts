import { readdirSync, readFileSync } from 'node:fs'
import type pg from 'pg'

/** Linux reports process times in clock ticks of 1/100 s (USER_HZ), whatever the kernel's own tick. */
const ticksPerSecond = 100

/**
 * CPU seconds (user + system) a server backend has used so far, read from /proc when the database
 * runs on this machine; null otherwise. On a machine shared with other work, wall-clock figures
 * swing with the load while CPU time barely moves, so the benchmarks report both.
 */
export async function backendCpuSeconds(client: pg.Client): Promise<number | null> {
  const { rows } = await client.query<{ pid: number }>('select pg_backend_pid() as pid')
  return processCpuSeconds(rows[0]!.pid)
}

function processCpuSeconds(pid: number): number | null {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
    return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond
  } catch {
    return null
  }
}

/** CPU seconds used so far by each PostgreSQL process on this machine, by process id. */
export type PostgresCpu = Map<number, number>

export function postgresCpu(): PostgresCpu {
  const seconds: PostgresCpu = new Map()
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    let command: string
    try {
      command = readFileSync(`/proc/${entry}/comm`, 'utf8').trim()
    } catch {
      continue
    }
    const used = command === 'postgres' ? processCpuSeconds(Number(entry)) : null
    if (used !== null) seconds.set(Number(entry), used)
  }
  return seconds
}

/**
 * CPU seconds PostgreSQL used between two readings (backends, WAL writer, checkpointer), or null when no
 * process of it is visible (a remote server). A backend that ended in between is not counted; one that
 * started is counted whole. Divided by the requests served, it shows what each request costs the
 * database, beside what it costs Node.
 */
export function postgresCpuSince(before: PostgresCpu): number | null {
  const after = postgresCpu()
  if (after.size === 0) return null
  let total = 0
  for (const [pid, used] of after) total += used - (before.get(pid) ?? 0)
  return total
}
