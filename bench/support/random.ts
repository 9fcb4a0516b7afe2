/**
 * Deterministic randomness for the synthetic data. Every record draws from its own generator, seeded
 * from (seed, stream, index), so the same seed gives byte-identical data whatever order the tables are
 * written in, and any record can be regenerated on its own (a child's parents from its household index).
 */

/** A 32-bit integer hash with good avalanche (the finaliser of MurmurHash3). */
function mix32(value: number): number {
  let h = value | 0
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h >>> 0
}

function hashString(text: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193)
  return mix32(h)
}

/** The seed of record `index` of `stream`: distinct streams and indexes give unrelated sequences. */
function streamSeed(seed: number, stream: string, index: number): number {
  return mix32(mix32(seed ^ hashString(stream)) + Math.imul(index, 0x9e3779b9))
}

export interface Weighted<T> {
  values: readonly T[]
  /** Cumulative weights, normalised so the last is 1. */
  cumulative: Float64Array
}

/** Prepares a weighted choice once, so that drawing is a binary search. */
export function weighted<T>(entries: readonly (readonly [T, number])[]): Weighted<T> {
  const total = entries.reduce((sum, [, weight]) => sum + weight, 0)
  if (!(total > 0)) throw new RangeError('weights must add up to more than zero')
  const cumulative = new Float64Array(entries.length)
  let running = 0
  entries.forEach(([, weight], i) => {
    running += weight
    cumulative[i] = running / total
  })
  cumulative[entries.length - 1] = 1
  return { values: entries.map(([value]) => value), cumulative }
}

/** mulberry32: tiny, fast, and good enough for synthetic data (not for anything secret). */
export class Random {
  private state: number

  constructor(seed: number) {
    this.state = seed >>> 0
  }

  static for(seed: number, stream: string, index: number): Random {
    return new Random(streamSeed(seed, stream, index))
  }

  /** A float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0
    let t = this.state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n)
  }

  /** An integer in [min, max], both ends included. */
  between(min: number, max: number): number {
    return min + this.int(max - min + 1)
  }

  chance(probability: number): boolean {
    return this.next() < probability
  }

  pick<T>(values: readonly T[]): T {
    return values[this.int(values.length)]!
  }

  choose<T>(table: Weighted<T>): T {
    const u = this.next()
    const { cumulative } = table
    let low = 0
    let high = cumulative.length - 1
    while (low < high) {
      const middle = (low + high) >>> 1
      if (cumulative[middle]! > u) high = middle
      else low = middle + 1
    }
    return table.values[low]!
  }
}

const hexByte = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'))

function hex8(word: number): string {
  return hexByte[word >>> 24]! + hexByte[(word >>> 16) & 0xff]! + hexByte[(word >>> 8) & 0xff]! + hexByte[word & 0xff]!
}

/**
 * The UUID (version 4 layout) of record `index` of `stream`: stable, so other tables can point at it
 * without storing it, and unique within the stream — the last 32 bits are a bijection of the index
 * (xor with a per-stream key, then the invertible MurmurHash3 finaliser); the rest only look random.
 */
export function recordId(seed: number, stream: string, index: number): string {
  const key = streamSeed(seed, stream, 0)
  const a = mix32(key ^ mix32(index ^ 0x5bd1e995))
  const b = mix32(a ^ (index + 0x27d4eb2d))
  const c = mix32(b ^ 0x165667b1)
  const d = mix32((index ^ key) >>> 0)
  const hb = hex8(b)
  const hc = hex8(c)
  const variant = ((c & 0x3) | 0x8).toString(16)
  return `${hex8(a)}-${hb.slice(0, 4)}-4${hb.slice(5, 8)}-${variant}${hc.slice(1, 4)}-${hc.slice(4)}${hex8(d)}`
}

/** Hands out record ids per stream in order, so every id is unique and the same seed gives the same ids. */
export class RecordIds {
  private readonly counters = new Map<string, number>()

  constructor(private readonly seed: number) {}

  next(stream: string): string {
    const index = this.counters.get(stream) ?? 0
    this.counters.set(stream, index + 1)
    return recordId(this.seed, stream, index)
  }
}
