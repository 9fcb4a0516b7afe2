/** The value without `keys` when `omit` holds: how a response leaves out what its reader may not see. */
export function omitWhen<T extends Record<string, unknown>>(value: T, keys: readonly (keyof T)[], omit: boolean): T {
  if (!omit) return value
  const copy = { ...value }
  for (const key of keys) delete copy[key]
  return copy
}
