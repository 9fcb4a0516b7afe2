import { mkdirSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { loadConfig } from './config.js'
import { openDatabase, type Database } from './db/client.js'
import { migrate } from './db/migrate.js'
import { seedReferenceData } from './db/seed.js'
import { generateOpenApiDocument, serialiseOpenApi } from './platform/openapi-document.js'

const usage = `Usage: cps <command>

Commands:
  migrate     apply pending database migrations
  seed        apply reference data files that changed (units, groups, holidays)
  openapi     write openapi/openapi.json and openapi/openapi.yaml from the route schemas

The database is DATABASE_URL, or the embedded database in DATA_DIR when it is unset.`

async function withDatabase<T>(work: (database: Database) => Promise<T>): Promise<T> {
  const result = loadConfig(process.env)
  if (!result.ok) {
    process.stderr.write(`Configuration is invalid:\n${result.errors.map((e) => `  ${e}`).join('\n')}\n`)
    process.exit(1)
  }
  const { database: options } = result.config
  const database = await openDatabase({
    url: options.url,
    dataDir: options.dataDir,
    poolMax: 2,
    statementTimeoutMs: 600_000,
  })
  try {
    return await work(database)
  } finally {
    await database.close()
  }
}

async function main(argv: string[]): Promise<number> {
  const [command] = argv
  switch (command) {
    case 'migrate': {
      const { applied } = await withDatabase(migrate)
      process.stdout.write(`migrations applied: ${applied}\n`)
      return 0
    }
    case 'seed': {
      const result = await withDatabase(seedReferenceData)
      process.stdout.write(`reference data applied: ${result.applied.join(', ') || 'none'}; unchanged: ${result.unchanged.join(', ') || 'none'}\n`)
      return 0
    }
    case 'openapi': {
      const folder = fileURLToPath(new URL('../openapi/', import.meta.url))
      mkdirSync(folder, { recursive: true })
      const { json, yaml } = serialiseOpenApi(await generateOpenApiDocument())
      writeFileSync(`${folder}openapi.json`, json)
      writeFileSync(`${folder}openapi.yaml`, yaml)
      process.stdout.write(`wrote ${folder}openapi.json and openapi.yaml\n`)
      return 0
    }
    case undefined:
    case 'help':
    case '--help':
      process.stdout.write(`${usage}\n`)
      return command === undefined ? 1 : 0
    default:
      process.stderr.write(`Unknown command: ${command}\n\n${usage}\n`)
      return 1
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`)
    process.exit(1)
  },
)
