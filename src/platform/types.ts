import type { Config } from '../config.js'
import type { Database } from '../db/client.js'
import type { Clock } from './clock.js'

declare module 'fastify' {
  interface FastifyInstance {
    config: Config
    database: Database
    clock: Clock
  }
}
