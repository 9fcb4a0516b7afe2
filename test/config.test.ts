import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import t from 'tap'
import { describeVariables, loadConfig } from '../src/config.js'
import { childEnvironment } from './support/process.js'

t.test('defaults make a working desk configuration', async (t) => {
  const result = loadConfig({})
  t.ok(result.ok)
  if (!result.ok) return
  t.equal(result.config.port, 3000)
  t.equal(result.config.database.url, undefined)
  t.equal(result.config.database.dataDir, './data')
  t.equal(result.config.migrateOnStart, true)
  t.same(result.config.http.corsOrigins, [])
})

t.test('values are converted from text', async (t) => {
  const result = loadConfig({
    PORT: '8080',
    MIGRATE_ON_START: 'false',
    CORS_ORIGINS: 'https://a.example.org,https://b.example.org',
    TRUST_PROXY: '2',
    DATABASE_URL: 'postgresql://app@db:5432/cps',
  })
  t.ok(result.ok)
  if (!result.ok) return
  t.equal(result.config.port, 8080)
  t.equal(result.config.migrateOnStart, false)
  t.same(result.config.http.corsOrigins, ['https://a.example.org', 'https://b.example.org'])
  t.equal(result.config.http.trustProxy, 2)
  t.equal(result.config.database.url, 'postgresql://app@db:5432/cps')
})

t.test('the first administrator: admin unless named, with the password given or one generated', async (t) => {
  const password = 'a long synthetic passphrase'
  const cases: [string, Record<string, string>, unknown][] = [
    ['neither set', {}, undefined],
    ['only the password: admin', { BOOTSTRAP_ADMIN_PASSWORD: password }, { username: 'admin', password }],
    ['only the name', { BOOTSTRAP_ADMIN_USERNAME: 'quantri' }, { username: 'quantri', password: undefined }],
    [
      'both',
      { BOOTSTRAP_ADMIN_USERNAME: 'quantri', BOOTSTRAP_ADMIN_PASSWORD: password },
      { username: 'quantri', password },
    ],
  ]
  for (const [name, env, expected] of cases) {
    const result = loadConfig(env)
    t.ok(result.ok, name)
    if (result.ok) t.same(result.config.auth.bootstrapAdmin, expected, name)
  }
})

t.test('an access token may not outlive the refresh token of its session', async (t) => {
  const result = loadConfig({ ACCESS_TOKEN_TTL_SECONDS: '7200', REFRESH_TOKEN_TTL_SECONDS: '3600' })
  t.notOk(result.ok)
  if (!result.ok) t.match(result.errors, [/^ACCESS_TOKEN_TTL_SECONDS: .*at most REFRESH_TOKEN_TTL_SECONDS/])
  t.ok(loadConfig({ ACCESS_TOKEN_TTL_SECONDS: '3600', REFRESH_TOKEN_TTL_SECONDS: '3600' }).ok)
})

t.test('each bad variable gets one line naming it, what was wrong and what is expected', async (t) => {
  const cases: [Record<string, string>, string, RegExp][] = [
    [{ PORT: 'abc' }, 'PORT', /PORT: invalid value \(got "abc"\); expected a TCP port number/],
    [{ PORT: '70000' }, 'PORT', /PORT: .*70000/],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL', /DATABASE_URL: .*expected a postgres:\/\/ connection URL/],
    [{ MIGRATE_ON_START: 'maybe' }, 'MIGRATE_ON_START', /MIGRATE_ON_START: .*expected true or false/],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL', /LOG_LEVEL: .*pino level/],
    [{ CORS_ORIGINS: '*' }, 'CORS_ORIGINS', /CORS_ORIGINS: .*comma-separated list/],
  ]
  for (const [env, name, pattern] of cases) {
    const result = loadConfig(env)
    t.notOk(result.ok, name)
    if (result.ok) continue
    t.equal(result.errors.length, 1, `${name}: one line`)
    t.match(result.errors[0], pattern, name)
  }
  const production = loadConfig({ NODE_ENV: 'production' })
  t.notOk(production.ok, 'production needs PostgreSQL and a key for its secrets')
  if (!production.ok) {
    t.match(production.errors, [/^DATABASE_URL: .*it is missing/, /^SECRETS_KEY: .*it is missing/])
    t.equal(production.errors.length, 2, 'both named at once')
  }
  const differing = loadConfig({ SECRETS_KEY: 'x'.repeat(32), WEBHOOK_SECRET_KEY: 'y'.repeat(32) })
  t.notOk(differing.ok)
  if (!differing.ok) t.match(differing.errors[0], /^WEBHOOK_SECRET_KEY: .*differs from SECRETS_KEY/)
  const formerName = loadConfig({ WEBHOOK_SECRET_KEY: 'z'.repeat(32) })
  t.ok(formerName.ok && formerName.config.secretsKey === 'z'.repeat(32), 'the former name still works')
  const several = loadConfig({ PORT: 'x', LOG_LEVEL: 'y' })
  t.notOk(several.ok)
  if (!several.ok) t.equal(several.errors.length, 2, 'one line per variable')
})

t.test('the server exits 1 and names the variable', async (t) => {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    env: childEnvironment({ PORT: 'not-a-port', DATABASE_URL: '' }),
    encoding: 'utf8',
    timeout: 240_000,
  })
  t.equal(result.status, 1)
  t.match(result.stderr, /PORT: invalid value \(got "not-a-port"\)/)
})

t.test('README and .env.example document every variable', async (t) => {
  const readme = readFileSync('README.md', 'utf8')
  const example = readFileSync('.env.example', 'utf8')
  for (const { name } of describeVariables()) {
    t.match(readme, new RegExp(`\\| \`${name}\` \\|`), `README table lists ${name}`)
    t.match(example, new RegExp(`^#? ?${name}=`, 'm'), `.env.example lists ${name}`)
  }
})
