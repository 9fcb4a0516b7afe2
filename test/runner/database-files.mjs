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
const reaches = new Map()

function reachesDatabase(file) {
  if (reaches.has(file)) return reaches.get(file)
  reaches.set(file, false)
  const source = readFileSync(file, 'utf8')
  let found = opensDatabase.has(file)
  for (const match of source.matchAll(importPattern)) {
    if (found) break
    const target = resolve(dirname(file), match[1]).replace(/\.js$/, '.ts')
    if (existsSync(target)) found = reachesDatabase(target)
  }
  reaches.set(file, found)
  return found
}

for (const file of testFiles(resolve(root, 'test')).sort()) if (reachesDatabase(file)) console.log(relative(root, file))
