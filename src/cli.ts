import { mkdirSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { loadConfig, type Config } from './config.js'
import { openDatabase, type Database } from './db/client.js'
import { migrate } from './db/migrate.js'
import { resealStoredSecrets, sealStoredSecrets } from './db/secrets.js'
import { seedReferenceData } from './db/seed.js'
import { importCommand, importUsage } from './modules/imports/cli.js'
import { importThroughApi } from './modules/imports/remote.js'
import { createAccount } from './modules/users/bootstrap.js'
import { KeyStore } from './modules/users/keys.js'
import { generateOpenApiDocument, serialiseOpenApi } from './platform/openapi-document.js'
import { resolveSecretsKey } from './platform/sealing.js'

const usage = `Usage: cps <command>

Commands:
  migrate     apply pending database migrations
  seed        apply reference data files that changed (units, groups, holidays)
  openapi     write openapi/openapi.json and openapi/openapi.yaml from the route schemas
  users create --username U --password P --role R --unit CODE [--unit CODE …] [--display-name N] [--grant PERMISSION …]
              create a person account (same rules as POST /v1/users)
  keys rotate start signing tokens with a new key; old keys stay published until their tokens expire
  secrets reseal
              after SECRETS_KEY changed (the old one in SECRETS_KEY_PREVIOUS): seal every stored secret
              with the new key, after which SECRETS_KEY_PREVIOUS can be removed
  ${importUsage}

The database is DATABASE_URL, or the embedded database in DATA_DIR when it is unset.`

async function configOrExit(): Promise<Config> {
  const result = loadConfig(process.env)
  if (!result.ok) {
    process.stderr.write(`Configuration is invalid:\n${result.errors.map((e) => `  ${e}`).join('\n')}\n`)
    process.exit(1)
  }
  const config = result.config
  config.secretsKey = await resolveSecretsKey(config.secretsKey, config.database.dataDir)
  return config
}

async function withDatabase<T>(work: (database: Database) => Promise<T>): Promise<T> {
  const { database: options } = await configOrExit()
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

async function usersCreate(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      username: { type: 'string' },
      password: { type: 'string' },
      role: { type: 'string' },
      unit: { type: 'string', multiple: true },
      'display-name': { type: 'string' },
      grant: { type: 'string', multiple: true },
    },
    strict: true,
  })
  const missing = (['username', 'password', 'role', 'unit'] as const).filter((name) => values[name] === undefined)
  if (missing.length > 0) {
    process.stderr.write(`users create: missing ${missing.map((m) => `--${m}`).join(', ')}\n`)
    return 1
  }
  const config = await configOrExit()
  const user = await withDatabase((database) =>
    createAccount(
      database,
      {
        username: values.username!,
        password: values.password!,
        role: values.role!,
        units: values.unit!,
        displayName: values['display-name'],
        grants: values.grant,
      },
      {
        hashing: { memoryKib: config.auth.passwordHashMemoryKib, iterations: config.auth.passwordHashIterations },
        passwordMinLength: config.auth.passwordMinLength,
        now: new Date(),
        createdBy: 'cli',
      },
    ),
  )
  process.stdout.write(`created ${user.username} (${user.role}) id ${user.id}\n`)
  return 0
}

async function main(argv: string[]): Promise<number> {
  const [command, subcommand] = argv
  switch (command) {
    case 'users': {
      if (subcommand === 'create') return usersCreate(argv.slice(2))
      process.stderr.write(`Unknown users command: ${subcommand ?? '(none)'}\n\n${usage}\n`)
      return 1
    }
    case 'keys': {
      if (subcommand !== 'rotate') {
        process.stderr.write(`Unknown keys command: ${subcommand ?? '(none)'}\n\n${usage}\n`)
        return 1
      }
      const config = await configOrExit()
      const kid = await withDatabase((database) =>
        new KeyStore(database, {
          tokenTtlSeconds: config.auth.accessTokenTtlSeconds,
          secretsKey: config.secretsKey,
          previousSecretsKey: config.previousSecretsKey,
        }).rotate(new Date()),
      )
      process.stdout.write(`now signing with key ${kid}\n`)
      return 0
    }
    case 'secrets': {
      if (subcommand !== 'reseal') {
        process.stderr.write(`Unknown secrets command: ${subcommand ?? '(none)'}\n\n${usage}\n`)
        return 1
      }
      const config = await configOrExit()
      const { resealed, unreadable } = await withDatabase((database) =>
        resealStoredSecrets(database, { current: config.secretsKey!, previous: config.previousSecretsKey }),
      )
      process.stdout.write(`secrets resealed with SECRETS_KEY: ${resealed}\n`)
      if (unreadable.length > 0) {
        process.stderr.write(
          `opened with neither SECRETS_KEY nor SECRETS_KEY_PREVIOUS, left as they were: ${unreadable.join(', ')}\n`,
        )
        return 1
      }
      return 0
    }
    case 'import': {
      if (argv.some((argument) => argument === '--url' || argument.startsWith('--url='))) {
        return importThroughApi(argv.slice(1), {
          stdout: { write: (text) => void process.stdout.write(text), isTTY: Boolean(process.stdout.isTTY) },
          stderr: { write: (text) => void process.stderr.write(text), isTTY: Boolean(process.stderr.isTTY) },
          token: process.env.CPS_TOKEN,
        })
      }
      const config = await configOrExit()
      return withDatabase((database) => importCommand(argv.slice(1), database, { useAppRole: config.useAppRole }))
    }
    case 'migrate': {
      const config = await configOrExit()
      const { applied, sealed } = await withDatabase(async (database) => ({
        applied: (await migrate(database)).applied,
        sealed: await sealStoredSecrets(database, config.secretsKey!),
      }))
      process.stdout.write(
        `migrations applied: ${applied}; secrets sealed: ${sealed.webhookSecrets + sealed.signingKeys}\n`,
      )
      return 0
    }
    case 'seed': {
      const result = await withDatabase(seedReferenceData)
      process.stdout.write(
        `reference data applied: ${result.applied.join(', ') || 'none'}; unchanged: ${result.unchanged.join(', ') || 'none'}\n`,
      )
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
