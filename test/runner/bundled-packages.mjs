/**
 * Loaded into every test process (.taprc `node-arg`): typebox, which ships as about 680 small ES modules (of the
 * 1,140 the application loads), is loaded from one file bundled once per installed version. Under the TypeScript
 * loader every module passes through its hooks on another thread: typebox took 1.3 s of each test file's start,
 * bundled 15 ms. drizzle-orm (110 modules) and jose (46) bundled too made no difference to measure. The code is
 * the package's own, unchanged; the service itself loads it as installed.
 */
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { register } from 'node:module'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { build as esbuild } from 'esbuild'

/** Each bundled package, with the entry points the application imports. */
const packages = { typebox: ['typebox', 'typebox/value'] }
const entries = Object.values(packages).flat()

const root = process.cwd()
const versionOf = (name) => JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')).version
const key = createHash('sha256')
  .update(JSON.stringify(Object.keys(packages).map(versionOf)))
  .update(readFileSync(new URL(import.meta.url)))
  .digest('hex')
  .slice(0, 16)
const folder = join(root, 'node_modules/.cache/cps-test-bundles', key)
/** The module that re-exports an entry point: `typebox/value` → `typebox_value.mjs`. */
const moduleOf = (entry) => `${entry.replaceAll('/', '_')}.mjs`

/** Everything but the bundled packages stays outside the bundles, loaded as installed. */
const onlyBundled = {
  name: 'only-bundled-packages',
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, ({ path }) =>
      Object.keys(packages).some((name) => path === name || path.startsWith(`${name}/`))
        ? undefined
        : { path, external: true },
    )
  },
}

/**
 * One bundle per package holds all its entry points, so that they share one copy of the package's state (its
 * format registry, its classes); a module per entry point re-exports that entry's names from it, read off the
 * bundle.
 */
async function build() {
  const building = `${folder}.${process.pid}`
  mkdirSync(building, { recursive: true })
  for (const [name, list] of Object.entries(packages)) {
    const bundle = `${name}.bundle.mjs`
    const entryModule = join(building, `${name}.entry.mjs`)
    writeFileSync(entryModule, list.map((entry, index) => `export * as entry${index} from '${entry}'`).join('\n'))
    await esbuild({
      entryPoints: [entryModule],
      bundle: true,
      format: 'esm',
      platform: 'node',
      outfile: join(building, bundle),
      absWorkingDir: root,
      plugins: [onlyBundled],
      logLevel: 'error',
    })
    const built = await import(pathToFileURL(join(building, bundle)).href)
    for (const [index, entry] of list.entries()) {
      const exported = Object.keys(built[`entry${index}`])
      const named = exported.filter((exportName) => exportName !== 'default')
      writeFileSync(
        join(building, moduleOf(entry)),
        [
          `import { entry${index} as entry } from './${bundle}'`,
          ...(named.length > 0 ? [`export const { ${named.join(', ')} } = entry`] : []),
          ...(exported.includes('default') ? ['export default entry.default'] : []),
        ].join('\n'),
      )
    }
  }
  // Test files start several at a time: the first to finish puts its folder in place, the others drop theirs.
  try {
    renameSync(building, folder)
  } catch (error) {
    rmSync(building, { recursive: true, force: true })
    if (!existsSync(folder)) throw error
  }
}

if (!existsSync(folder)) await build()
const urls = Object.fromEntries(entries.map((entry) => [entry, pathToFileURL(join(folder, moduleOf(entry))).href]))
register('./bundled-packages-hooks.mjs', import.meta.url, { data: { urls } })
