import { mkdtempSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { eq, sql } from 'drizzle-orm'
import t, { type Test } from 'tap'
import { openDatabase, type Database } from '../../src/db/client.js'
import { resealStoredSecrets, sealStoredSecrets } from '../../src/db/secrets.js'
import { openWebhookSecret } from '../../src/modules/webhooks/secrets.js'
import { signingKeys } from '../../src/modules/users/tables.js'
import { webhookSubscriptions } from '../../src/modules/webhooks/tables.js'
import { isSealed, resolveSecretsKey, secretsKeyFileName, unseal } from '../../src/platform/sealing.js'
import { createTestApp, onPostgres, testConfig } from '../support/app.js'
import { accountFor, clientFor, province } from '../support/auth.js'
import { asTableOwner, ownerConnectionString, queryAsTableOwner } from '../support/owner.js'
import { configureWebhooks, startReceiver } from '../modules/webhooks/fixtures/receiver.js'

/** Every row of every table of the application's schema, as text, read as the tables' owner. */
async function everythingStored(database: Database): Promise<string> {
  const tables = await queryAsTableOwner<{ name: string }>(
    database,
    `select table_name as name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'`,
  )
  const dump: string[] = []
  for (const { name } of tables)
    dump.push(
      ...(await queryAsTableOwner<{ row: string }>(database, `select t::text as row from "${name}" t`)).map(
        (row) => row.row,
      ),
    )
  return dump.join('\n')
}

/** On PostgreSQL, the test database opened as its owner (the app's own connections run as cps_app). */
async function ownerDatabase(t: Test, database: Database): Promise<Database> {
  const owner = await openDatabase({
    url: await ownerConnectionString(database),
    dataDir: '',
    poolMax: 1,
    statementTimeoutMs: 30_000,
  })
  t.teardown(() => owner.close())
  return owner
}

t.test('no secret rests in clear anywhere in the database, idempotency replays included', async (t) => {
  const ctx = await createTestApp(t, { now: '2024-06-15T03:00:00Z', extend: (app) => void configureWebhooks(app, {}) })
  const { app } = ctx
  const receiver = await startReceiver(t)
  const admin = await accountFor(ctx, { role: 'district_admin', units: [province] })
  const city = await clientFor(ctx, { role: 'city_system', units: [province] })
  const client = await app.inject({
    method: 'POST',
    url: '/v1/clients',
    headers: { ...admin.headers, 'idempotency-key': 'secret-client' },
    payload: { name: 'Dashboard of the city', role: 'city_system', units: [province] },
  })
  t.equal(client.statusCode, 201)
  const webhook = await app.inject({
    method: 'POST',
    url: '/v1/webhooks',
    headers: { ...admin.headers, 'idempotency-key': 'secret-webhook' },
    payload: { url: receiver.url('/hook'), eventTypes: ['report.submitted'], clientId: city.id },
  })
  t.equal(webhook.statusCode, 201)
  const clientSecret = client.json().clientSecret as string
  const webhookSecret = webhook.json().secret as string
  const replayed = await app.inject({
    method: 'POST',
    url: '/v1/webhooks',
    headers: { ...admin.headers, 'idempotency-key': 'secret-webhook' },
    payload: { url: receiver.url('/hook'), eventTypes: ['report.submitted'], clientId: city.id },
  })
  t.same(replayed.json(), { webhook: webhook.json().webhook, secret: null }, 'a replay does not show the secret again')

  const stored = await everythingStored(app.database)
  t.notMatch(stored, clientSecret, 'the client secret is nowhere (only its hash)')
  t.notMatch(stored, webhookSecret, 'the webhook secret is nowhere in clear')
  t.notMatch(stored, /"d"\s*:/, 'no private key in clear (a JWK’s "d")')
  const [key] = await app.database.db.select().from(signingKeys)
  t.ok(typeof key!.privateJwk === 'string' && isSealed(key!.privateJwk), 'the generated signing key is sealed')
  t.match(JSON.parse(unseal(testConfig().secretsKey!, 'signing-key', key!.privateJwk as string, key!.kid)), {
    kty: 'EC',
    d: String,
  })
})

t.test('secrets an older version kept in clear are sealed at start, and still work', async (t) => {
  const ctx = await createTestApp(t, { now: '2024-06-15T03:00:00Z', extend: (app) => void configureWebhooks(app, {}) })
  const { app } = ctx
  const receiver = await startReceiver(t)
  const admin = await accountFor(ctx, { role: 'district_admin', units: [province] })
  const created = await app.inject({
    method: 'POST',
    url: '/v1/webhooks',
    headers: admin.headers,
    payload: { url: receiver.url('/hook'), eventTypes: ['child.created'] },
  })
  const { webhook, secret } = created.json<{ webhook: { id: string }; secret: string }>()
  const [key] = await app.database.db.select().from(signingKeys)
  const privateJwk = unseal(testConfig().secretsKey!, 'signing-key', key!.privateJwk as string, key!.kid)
  await asTableOwner(app.database, [
    `update webhook_subscriptions set secret = 'plain:${secret}' where id = '${webhook.id}'`,
    `update signing_keys set private_jwk = '${privateJwk}'::jsonb where kid = '${key!.kid}'`,
  ])
  const sealAsOwner = async () => {
    if (onPostgres) return sealStoredSecrets(await ownerDatabase(t, app.database), testConfig().secretsKey!)
    await app.database.db.execute(sql`reset role`)
    try {
      return await sealStoredSecrets(app.database, testConfig().secretsKey!)
    } finally {
      await app.database.db.execute(sql`set role cps_app`)
    }
  }
  t.same(await sealAsOwner(), { webhookSecrets: 1, signingKeys: 1 })
  t.same(await sealAsOwner(), { webhookSecrets: 0, signingKeys: 0 }, 'once only')
  const [row] = await app.database.db.select().from(webhookSubscriptions).where(eq(webhookSubscriptions.id, webhook.id))
  t.ok(isSealed(row!.secret))
  // Past the key store's cache, the key is read again: sealed now, it still signs.
  ctx.clock.advance(61_000)
  const token = await app.accounts.tokens.issue({ kind: 'user', id: admin.id }, ctx.clock.now())
  t.equal(
    (await app.inject({ url: '/v1/me', headers: { authorization: `Bearer ${token.token}` } })).statusCode,
    200,
    'the resealed key signs',
  )
})

t.test(
  'a changed SECRETS_KEY: keys that no longer open stop signing but still verify; cps secrets reseal moves the rest to the new key',
  async (t) => {
    const first = await createTestApp(t, {
      now: '2024-06-15T03:00:00Z',
      extend: (app) => void configureWebhooks(app, {}),
    })
    const receiver = await startReceiver(t)
    const admin = await accountFor(first, { role: 'district_admin', units: [province] })
    const created = await first.app.inject({
      method: 'POST',
      url: '/v1/webhooks',
      headers: admin.headers,
      payload: { url: receiver.url('/hook'), eventTypes: ['child.created'] },
    })
    const { webhook, secret: replaced } = created.json<{ webhook: { id: string }; secret: string }>()
    // Rotated: the secret it replaced is kept (sealed) to sign beside the new one for a day, and resealed too.
    const rotated = await first.app.inject({
      method: 'POST',
      url: `/v1/webhooks/${webhook.id}/rotate-secret`,
      headers: { ...admin.headers, 'if-match': '"1"' },
    })
    const { secret } = rotated.json<{ secret: string }>()
    const oldKey = testConfig().secretsKey!
    const newKey = 'a new synthetic key for the test, at least 32 characters'
    const second = await createTestApp(t, {
      now: '2024-06-15T03:00:00Z',
      database: first.app.database,
      env: { SECRETS_KEY: newKey },
    })
    t.equal(
      (await second.app.inject({ url: '/v1/me', headers: admin.headers })).statusCode,
      200,
      'a token signed under the old key still verifies',
    )
    const fresh = await second.app.accounts.tokens.issue({ kind: 'user', id: admin.id }, second.clock.now())
    t.equal(
      (await second.app.inject({ url: '/v1/me', headers: { authorization: `Bearer ${fresh.token}` } })).statusCode,
      200,
      'a new key signs',
    )
    t.ok(
      second.logs.some((line) => line.level === 50 && /cannot be opened/.test(String(line.msg))),
      'and the unreadable key is reported',
    )
    const keys = await second.app.database.db.select().from(signingKeys)
    t.equal(keys.filter((key) => key.retiredAt === null).length, 1, 'one key signs')

    const reseal = async () => {
      const owner = onPostgres ? await ownerDatabase(t, first.app.database) : first.app.database
      if (!onPostgres) await owner.db.execute(sql`reset role`)
      try {
        return await resealStoredSecrets(owner, { current: newKey, previous: oldKey })
      } finally {
        if (!onPostgres) await owner.db.execute(sql`set role cps_app`)
      }
    }
    t.same(
      await reseal(),
      { resealed: 4, unreadable: [] },
      'the webhook secret, the one it replaced and both keys, opened with the old key or the new one',
    )
    const [row] = await first.app.database.db
      .select()
      .from(webhookSubscriptions)
      .where(eq(webhookSubscriptions.id, webhook.id))
    t.equal(
      openWebhookSecret(newKey, row!.secret, webhook.id),
      secret,
      'the webhook secret opens with the new key alone',
    )
    t.throws(
      () => openWebhookSecret(oldKey, row!.secret, webhook.id),
      /cannot be opened/,
      'and no longer with the old one',
    )
    t.equal(openWebhookSecret(newKey, row!.previousSecret!, webhook.id), replaced, 'so does the secret it replaced')
  },
)

t.test('without SECRETS_KEY, a desk keeps its key in DATA_DIR/secrets.key, readable by its owner only', async (t) => {
  const folder = mkdtempSync(join(tmpdir(), 'cps-secrets-'))
  const first = await resolveSecretsKey(undefined, folder)
  t.ok(first.length >= 32)
  t.equal(await resolveSecretsKey(undefined, folder), first, 'made once, then read')
  t.equal(statSync(join(folder, secretsKeyFileName)).mode & 0o777, 0o600)
  t.equal(
    await resolveSecretsKey('a configured key, at least 32 characters long', folder),
    'a configured key, at least 32 characters long',
  )
})
