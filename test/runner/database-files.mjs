#!/usr/bin/env node
/**
 * Prints the test files that open a database, one per line: those whose relative imports (type-only ones
 * left out) reach a module that opens or migrates one. CI runs only these again on PostgreSQL; the others
 * test pure rules, whose outcome does not depend on the database, and ran on the embedded one.
 */
import { readdirSync, readFileSync, existsSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'

const root = process.cwd()
const opensDatabase = new Set(
  ['src/db/client.ts', 'src/db/migrate.ts', 'test/support/template.ts', 'test/support/process.ts'].map((file) =>
    resolve(root, file),
  ),
)

function testFiles(directory) {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name)
    if (entry.isDirectory()) return ['reliability-long', 'browser'].includes(entry.name) ? [] : testFiles(path)
    return entry.name.endsWith('.test.ts') ? [path] : []
  })
}

const importPattern = /^\s*(?:import|export)\s+(?!type\b)(?:[^'"]*?\sfrom\s+)?['"](\.{1,2}\/[^'"]+)['"]/gm

/** Every module reachable from the test files through relative imports, with the modules each one imports. */
function importGraph(entries) {
  const imports = new Map()
  const pending = [...entries]
  while (pending.length > 0) {
    const file = pending.pop()
    if (imports.has(file)) continue
    const targets = [...readFileSync(file, 'utf8').matchAll(importPattern)]
      .map((match) => resolve(dirname(file), match[1]).replace(/\.js$/, '.ts'))
      .filter((target) => existsSync(target))
    imports.set(file, targets)
    pending.push(...targets)
  }
  return imports
}

const tests = testFiles(resolve(root, 'test')).sort()
const graph = importGraph(tests)
// What reaches a module that opens a database, found backwards from those modules (cycles included).
const importedBy = new Map()
for (const [file, targets] of graph) {
  for (const target of targets) importedBy.set(target, [...(importedBy.get(target) ?? []), file])
}
const reaching = new Set([...opensDatabase].filter((file) => graph.has(file)))
const frontier = [...reaching]
while (frontier.length > 0) {
  for (const importer of importedBy.get(frontier.pop()) ?? []) {
    if (reaching.has(importer)) continue
    reaching.add(importer)
    frontier.push(importer)
  }
}
for (const file of tests) if (reaching.has(file)) console.log(relative(root, file))
