#!/usr/bin/env node
/**
 * `npm run test:under-load [-- tap arguments]`: the whole suite while CPU burners keep every core
 * busy, to check that no test depends on timing. BURNERS sets how many (default 3, beside the two tap
 * jobs on a 2-core machine: a load average near 8). Prints the load average while it runs and at the end.
 */
import { spawn } from 'node:child_process'
import { loadavg } from 'node:os'
import { fileURLToPath } from 'node:url'

const burnerCount = Number(process.env.BURNERS ?? 3)
// Each burner checks now and then that this runner still lives, so none is left spinning if it is killed.
const burn = `const parent = ${process.pid}; for (let n = 0; ; n++) { if (n % 5e7 === 0) { try { process.kill(parent, 0) } catch { process.exit(0) } } }`
const burners = Array.from({ length: burnerCount }, () => spawn(process.execPath, ['-e', burn], { stdio: 'ignore' }))
const stopBurners = () => {
  for (const burner of burners) burner.kill('SIGKILL')
}
process.on('exit', stopBurners)

const load = () =>
  loadavg()
    .map((value) => value.toFixed(2))
    .join(' / ')
const samples = []
const sampler = setInterval(() => samples.push(loadavg()[0]), 15_000)
process.stdout.write(`under load: ${burnerCount} CPU burners; load average (1/5/15 min) ${load()}\n`)

const started = Date.now()
const run = spawn(process.execPath, [fileURLToPath(new URL('run.mjs', import.meta.url)), ...process.argv.slice(2)], {
  stdio: 'inherit',
})
const forward = (signal) => run.kill(signal)
process.on('SIGINT', forward)
process.on('SIGTERM', forward)
run.on('exit', (code, signal) => {
  clearInterval(sampler)
  stopBurners()
  const mean = samples.length ? (samples.reduce((sum, value) => sum + value, 0) / samples.length).toFixed(2) : 'n/a'
  process.stdout.write(
    `under load: ${burnerCount} CPU burners, ${((Date.now() - started) / 60_000).toFixed(1)} min; ` +
      `load average at the end (1/5/15 min) ${load()}, mean of the 1-min samples ${mean}\n`,
  )
  process.exit(code ?? (signal ? 1 : 0))
})
