import { once } from 'node:events'
import pg from 'pg'
import { from as copyFrom } from 'pg-copy-streams'
import { backendCpuSeconds } from './cpu.js'

/** A value of a COPY text row; null is SQL NULL. Objects are written as JSON (for jsonb columns). */
export type CopyValue = string | number | boolean | null | object

const needsEscape = /[\\\t\n\r]/
const escapes: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' }

function field(value: CopyValue): string {
  if (value === null) return '\\N'
  if (typeof value === 'string')
    return needsEscape.test(value) ? value.replace(/[\\\t\n\r]/g, (c) => escapes[c]!) : value
  if (typeof value === 'number') return String(value)
  if (typeof value === 'boolean') return value ? 't' : 'f'
  return field(JSON.stringify(value))
}

const chunkBytes = 1 << 20
const encoder = new TextEncoder()

/**
 * Streams rows into one table with COPY … FROM STDIN, on a connection of its own, in one transaction
 * that first truncates the table: that lets COPY FREEZE write the rows already frozen and all-visible
 * (no vacuum needed afterwards, index-only scans work at once), and a failure leaves the table empty
 * rather than half loaded. Each row is UTF-8 encoded straight into a 1 MiB chunk (encoding one large
 * concatenated string instead costs several times more); backpressure is respected.
 */
export class CopyWriter {
  rows = 0
  private chunk = Buffer.allocUnsafe(chunkBytes)
  private used = 0
  private backlog = false
  private stream: ReturnType<typeof copyFrom> | null = null
  private startedAt = 0

  private constructor(
    readonly table: string,
    private readonly columns: readonly string[],
    private readonly client: pg.Client,
  ) {}

  static async open(url: string, table: string, columns: readonly string[]): Promise<CopyWriter> {
    const client = new pg.Client({ connectionString: url, application_name: 'cps-bench-generate' })
    await client.connect()
    const writer = new CopyWriter(table, columns, client)
    await client.query('set synchronous_commit = off')
    // Tables load side by side, so the triggers keeping the registry tallies would see a card before its
    // child; the generator rebuilds the tallies once everything is in (cps_rebuild_registry_tallies).
    await client.query(`set session_replication_role = replica`)
    await client.query('begin')
    await client.query(`truncate ${table}`)
    writer.stream = client.query(copyFrom(`copy ${table} (${columns.join(', ')}) from stdin with (freeze)`))
    writer.startedAt = performance.now()
    return writer
  }

  /** True when the server has fallen behind: the caller should `await drained()` before writing more. */
  get behind(): boolean {
    return this.backlog
  }

  /** Queues one row (see `behind`). */
  write(values: readonly CopyValue[]): void {
    if (values.length !== this.columns.length) {
      throw new Error(`${this.table}: ${values.length} values for ${this.columns.length} columns`)
    }
    let line = field(values[0]!)
    for (let i = 1; i < values.length; i++) line += '\t' + field(values[i]!)
    line += '\n'
    // A UTF-16 code unit never takes more than 3 bytes in UTF-8.
    if (this.used + line.length * 3 > this.chunk.length) {
      this.flush()
      if (line.length * 3 > this.chunk.length) this.chunk = Buffer.allocUnsafe(line.length * 3)
    }
    this.used += encoder.encodeInto(line, this.chunk.subarray(this.used)).written
    this.rows++
  }

  drained(): Promise<void> {
    if (!this.backlog) return Promise.resolve()
    return once(this.stream!, 'drain').then(() => {
      this.backlog = false
    })
  }

  private flush(): void {
    if (this.used === 0) return
    // The stream keeps the chunk until it is sent, so the next rows go into a fresh one.
    if (!this.stream!.write(this.chunk.subarray(0, this.used))) this.backlog = true
    this.chunk = Buffer.allocUnsafe(chunkBytes)
    this.used = 0
  }

  /** Ends the COPY and commits; returns the rows, the seconds the writer was open and the server's CPU seconds. */
  async close(): Promise<{ table: string; rows: number; seconds: number; serverCpuSeconds: number | null }> {
    const stream = this.stream!
    this.flush()
    const done = once(stream, 'finish')
    stream.end()
    await done
    await this.client.query('commit')
    const serverCpuSeconds = await backendCpuSeconds(this.client)
    await this.client.end()
    return {
      table: this.table,
      rows: this.rows,
      seconds: (performance.now() - this.startedAt) / 1000,
      serverCpuSeconds,
    }
  }

  /** Abandons the load: the transaction rolls back with the connection. */
  async abort(): Promise<void> {
    this.stream?.destroy()
    await this.client.end().catch(() => undefined)
  }
}
