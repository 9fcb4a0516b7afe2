#!/usr/bin/env node
/**
 * `npm test`: runs tap with the arguments given and passes its output through, then ends with what
 * the run came to. A run that exits non-zero says why on its last lines — failing test files, a
 * coverage floor not reached (measured against floor), or tap ending without its summary — so that
 * nobody has to search a long log for a failure that is not a failing test. Each failing assertion is
 * repeated there with its diagnostics: a log kept only in part (its end) still says what failed and why.
 */
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'

const tapPackage = createRequire(import.meta.url).resolve('tap/package.json')
const tapBin = join(dirname(tapPackage), JSON.parse(readFileSync(tapPackage, 'utf8')).bin.tap)

function coverageFloors() {
  const floors = {}
  for (const line of readFileSync('.taprc', 'utf8').split('\n')) {
    const match = /^(statements|branches|functions|lines):\s*([\d.]+)/.exec(line)
    if (match) floors[match[1]] = Number(match[2])
  }
  return floors
}

// Test files are TypeScript, loaded through tap's ts-node plugin. tsconfig.tap.json has ts-node transpile with
// swc: loading the application's modules takes each test file about 4 s instead of 8 (91 files, twice in CI),
// with the same coverage mapping. Its target is ES2022 because ts-node does not pass ES2023 on to swc. tap
// finds tsconfig.tap.json itself only when it knows its working directory, so the project is named here.
const testEnvironment = {
  ...process.env,
  TS_NODE_PROJECT: process.env.TS_NODE_PROJECT ?? join(process.cwd(), 'tsconfig.tap.json'),
}

const started = Date.now()
const child = spawn(process.execPath, [tapBin, ...process.argv.slice(2)], {
  stdio: ['inherit', 'pipe', 'pipe'],
  env: testEnvironment,
})
let summary = null
const failingFiles = []
const coverage = {}
const coverageShortfalls = []
/** Each failing assertion (a nested `not ok` that is not a subtest's) and the diagnostic block right under it. */
const failures = []
const failuresShown = 20
const diagnosticLinesShown = 40
/** The failure whose diagnostic block is being read, and the indentation of its closing `...`. */
let reading = null

function collectFailure(line) {
  const text = line.trim()
  const indent = line.length - line.trimStart().length
  if (reading?.open) {
    if (reading.failure.lines.length < diagnosticLinesShown) reading.failure.lines.push(line.trimEnd())
    else reading.failure.cut = true
    if (indent === reading.indent && text === '...') reading = null
    return
  }
  if (reading && text === '---') {
    reading = { ...reading, open: true, indent }
    reading.failure.lines.push(line.trimEnd())
    return
  }
  reading = null
  // A subtest's own line (it carries its time) only repeats that an assertion under it failed; a todo is not a failure.
  if (indent > 0 && text.startsWith('not ok ') && !/ # (time=|TODO)/.test(text)) {
    const failure = { heading: line.trimEnd(), lines: [], cut: false }
    failures.push(failure)
    reading = { failure, open: false }
  }
}

function scan(line, stream) {
  // tap's own output; a test process's stderr, interleaved with it, would split a diagnostic block.
  if (stream === child.stdout) collectFailure(line)
  const total = /^# \{ total: (\d+), pass: (\d+)(?:, fail: (\d+))?/.exec(line)
  if (total) summary = { total: Number(total[1]), pass: Number(total[2]), fail: Number(total[3] ?? 0) }
  const failing = /^not ok \d+ - (\S+)/.exec(line)
  if (failing) failingFiles.push(failing[1])
  const measured = /^(Statements|Branches|Functions|Lines)\s*:\s*([\d.]+)%/.exec(line)
  if (measured) coverage[measured[1].toLowerCase()] = Number(measured[2])
  const shortfall = /^# ERROR: incomplete (\w+) coverage \(([\d.]+)%\)/.exec(line)
  if (shortfall) coverageShortfalls.push(shortfall[1])
}

/** Output passed through as it comes; each stream's lines scanned whole (a chunk may end mid-line). */
function pass(stream, target) {
  let pending = ''
  stream.on('end', () => pending && scan(pending, stream))
  stream.on('data', (chunk) => {
    target.write(chunk)
    const text = pending + chunk.toString('utf8')
    const lines = text.split('\n')
    pending = lines.pop() ?? ''
    for (const line of lines) scan(line, stream)
  })
}
pass(child.stdout, process.stdout)
pass(child.stderr, process.stderr)

function forward(signal) {
  child.kill(signal)
}
process.on('SIGINT', forward)
process.on('SIGTERM', forward)

child.on('close', (code, signal) => {
  const minutes = ((Date.now() - started) / 60_000).toFixed(1)
  const floors = coverageFloors()
  const coverageText = Object.keys(coverage).length
    ? Object.entries(coverage)
        .map(([name, value]) => `${name} ${value}% (floor ${floors[name] ?? 0}%)`)
        .join(', ')
    : 'not measured'
  const lines = ['', '=== npm test ===']
  if (summary) lines.push(`tests: ${summary.pass} passed, ${summary.fail} failed, of ${summary.total}; ${minutes} min`)
  lines.push(`coverage: ${coverageText}`)
  if (code === 0) {
    lines.push('result: passed')
  } else {
    const reasons = []
    if (failingFiles.length) reasons.push(`failing test files: ${failingFiles.join(', ')}`)
    for (const name of coverageShortfalls)
      reasons.push(`${name} coverage ${coverage[name]}% is under its floor of ${floors[name]}% (.taprc)`)
    if (!summary) reasons.push('tap ended without its summary (a crash, a signal or a timeout of the whole run)')
    if (signal) reasons.push(`tap was stopped by ${signal}`)
    if (!reasons.length)
      reasons.push(`tap exited with code ${code} without a failing test or coverage shortfall; read the lines above`)
    lines.push(`result: FAILED (exit ${code ?? signal}) because`, ...reasons.map((reason) => `  - ${reason}`))
    if (failures.length)
      lines.push('', `failing assertions (${Math.min(failures.length, failuresShown)} of ${failures.length}):`)
    for (const failure of failures.slice(0, failuresShown)) {
      const indent = failure.heading.length - failure.heading.trimStart().length
      lines.push(failure.heading.slice(indent), ...failure.lines.map((line) => line.slice(indent)))
      if (failure.cut) lines.push(`  (cut at ${diagnosticLinesShown} lines: the rest is in the log above)`)
    }
  }
  process.stdout.write(`${lines.join('\n')}\n`)
  process.exit(code ?? 1)
})
