import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'

interface HousekeepingTask {
  name: string
  intervalMs: number
  run(now: Date): Promise<unknown>
}

/**
 * Periodic upkeep in this instance (sealing the audit chain, purging expired keys). Each task is safe
 * to run in several instances at once: it takes its own advisory lock or is idempotent.
 */
async function housekeepingPlugin(app: FastifyInstance, options: { tasks: HousekeepingTask[] }) {
  const timers: NodeJS.Timeout[] = []
  const inFlight = new Set<Promise<unknown>>()
  app.addHook('onReady', async () => {
    for (const task of options.tasks) {
      if (task.intervalMs <= 0) continue
      let running = false
      const timer = setInterval(() => {
        if (running) return
        running = true
        const run = task
          .run(app.clock.now())
          .catch((error: unknown) => app.log.warn({ err: error, task: task.name }, 'housekeeping task failed'))
          .finally(() => {
            running = false
            inFlight.delete(run)
          })
        inFlight.add(run)
      }, task.intervalMs)
      timer.unref()
      timers.push(timer)
    }
  })
  app.addHook('preClose', async () => {
    for (const timer of timers) clearInterval(timer)
    // Let a run that already started finish before the database closes.
    await Promise.all(inFlight)
  })
}

export default fp(housekeepingPlugin, { name: 'platform-housekeeping', fastify: '5.x' })
