import { readFileSync } from 'node:fs'
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
