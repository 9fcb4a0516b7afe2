/** Module hooks for bundled-packages.mjs: the bundled packages' names resolve to their bundle's modules. */
let urls = {}

export function initialize(data) {
  urls = data.urls
}

export async function resolve(specifier, context, next) {
  const url = urls[specifier]
  return url ? { url, shortCircuit: true } : next(specifier, context)
}
