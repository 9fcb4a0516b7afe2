import { pino } from 'pino'
import { stringify } from 'yaml'
import { buildApp } from '../app.js'
import { loadConfig } from '../config.js'
import { openDatabase } from '../db/client.js'

/**
 * Builds the application without a database connection (the pool is created but never used) and
 * returns the OpenAPI document its routes describe.
 */
export async function generateOpenApiDocument(): Promise<Record<string, unknown>> {
  const result = loadConfig({ NODE_ENV: 'test', DOCS_ENABLED: 'false' })
  if (!result.ok) throw new Error(result.errors.join('\n'))
  const database = await openDatabase({
    url: 'postgres://openapi@127.0.0.1:9/never-connected',
    dataDir: '',
    poolMax: 1,
    statementTimeoutMs: 1000,
  })
  const app = await buildApp({ config: result.config, database, logger: pino({ level: 'silent' }) })
  try {
    await app.ready()
    return app.swagger() as unknown as Record<string, unknown>
  } finally {
    await app.close()
  }
}

export function serialiseOpenApi(document: Record<string, unknown>): { json: string; yaml: string } {
  return { json: `${JSON.stringify(document, null, 2)}\n`, yaml: stringify(document, { lineWidth: 0 }) }
}
