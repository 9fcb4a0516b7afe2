/** The q-th quantile (0–1) of samples, by the nearest-rank method: always an observed value. */
function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN
  const rank = Math.max(1, Math.ceil(q * sorted.length))
  return sorted[Math.min(rank, sorted.length) - 1]!
}

export interface LatencySummary {
  count: number
  p50: number
  p95: number
  p99: number
  max: number
  mean: number
}

export function summarise(samplesMs: readonly number[]): LatencySummary {
  const sorted = [...samplesMs].sort((a, b) => a - b)
  const total = sorted.reduce((sum, value) => sum + value, 0)
  return {
    count: sorted.length,
    p50: quantile(sorted, 0.5),
    p95: quantile(sorted, 0.95),
    p99: quantile(sorted, 0.99),
    max: sorted[sorted.length - 1] ?? Number.NaN,
    mean: sorted.length ? total / sorted.length : Number.NaN,
  }
}

export function formatMs(ms: number): string {
  return ms >= 100 ? `${ms.toFixed(0)} ms` : `${ms.toFixed(1)} ms`
}

export function formatRate(rows: number, seconds: number): string {
  const perSecond = seconds > 0 ? rows / seconds : 0
  return `${Math.round(perSecond).toLocaleString('en-US')} rows/s`
}

/** Left-aligned text columns for the console and for pasting into docs/benchmarks.md. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)))
  const line = (cells: readonly string[]) =>
    `| ${cells.map((cell, column) => cell.padEnd(widths[column]!)).join(' | ')} |`
  return [line(header), `|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`, ...rows.map(line)].join('\n')
}

/** Reads `--name value` and `--flag` options; unknown options are an error, so typos do not pass silently. */
export function parseOptions<T extends Record<string, 'string' | 'number' | 'boolean'>>(
  argv: readonly string[],
  spec: T,
): { [K in keyof T]?: T[K] extends 'number' ? number : T[K] extends 'boolean' ? boolean : string } {
  const result: Record<string, string | number | boolean> = {}
  for (let i = 0; i < argv.length; i++) {
    const argument = argv[i]!
    const name = argument.replace(/^--/, '')
    const kind = spec[name]
    if (!argument.startsWith('--') || !kind)
      throw new Error(
        `unknown option ${argument}; expected one of ${Object.keys(spec)
          .map((k) => `--${k}`)
          .join(', ')}`,
      )
    if (kind === 'boolean') {
      result[name] = true
      continue
    }
    const value = argv[++i]
    if (value === undefined) throw new Error(`${argument} needs a value`)
    if (kind === 'number') {
      const number = Number(value.replace(/_/g, ''))
      if (!Number.isFinite(number)) throw new Error(`${argument} needs a number, got ${value}`)
      result[name] = number
    } else result[name] = value
  }
  return result as never
}
