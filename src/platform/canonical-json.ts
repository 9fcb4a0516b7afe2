/**
 * JSON with object keys sorted at every depth, so the same content always hashes the same: audit
 * events in their hash chain, and versioned data without a version column (entity tags). Every audit
 * event is hashed once when sealed and again on each verification, hence plain loops. The output for
 * a given input must never change: sealed chains are verified against it.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value)
  if (Array.isArray(value)) {
    let out = '['
    for (let index = 0; index < value.length; index++) {
      // An undefined element renders as nothing between its commas, as Array#join does.
      out += (index > 0 ? ',' : '') + (canonicalJson(value[index]) ?? '')
    }
    return out + ']'
  }
  const record = value as Record<string, unknown>
  let out = '{'
  for (const key of Object.keys(record).sort()) {
    const member = record[key]
    if (member === undefined) continue
    out += (out.length > 1 ? ',' : '') + JSON.stringify(key) + ':' + canonicalJson(member)
  }
  return out + '}'
}
