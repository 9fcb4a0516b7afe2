import { randomUUID } from 'node:crypto'
import { desc, eq, gt, isNull, or, sql } from 'drizzle-orm'
import { exportJWK, generateKeyPair, importJWK, importPKCS8, type CryptoKey, type JWK } from 'jose'
import type { Database, Db } from '../../db/client.js'
import { openingKeysOf, seal, secretsKeyOf, unseal } from '../../platform/sealing.js'
import { signingKeys } from './tables.js'

/**
 * Seals private keys an older version kept in clear; run at start, after the migrations. Returns how
 * many it sealed.
 */
export async function sealPlainSigningKeys(db: Db, secretsKey: string): Promise<number> {
  const plain = await db
    .select()
    .from(signingKeys)
    .where(sql`jsonb_typeof(${signingKeys.privateJwk}) = 'object'`)
  for (const row of plain) {
    const sealed = seal(secretsKey, 'signing-key', JSON.stringify(row.privateJwk), row.kid)
    await db.update(signingKeys).set({ privateJwk: sealed }).where(eq(signingKeys.kid, row.kid))
  }
  return plain.length
}

export const signingAlgorithm = 'ES256'

type PublishedJwk = JWK & { kid: string; kty: string }

interface LoadedKey {
  kid: string
  publicJwk: PublishedJwk
  publicKey: CryptoKey
  privateKey: CryptoKey | null
  createdAt: Date
  retiredAt: Date | null
}

/**
 * The service's token signing keys: from configuration (JWT_PRIVATE_KEY) or generated once and kept in
 * the database, so every instance signs and verifies with the same keys. Retired keys stay published
 * until the last token they signed has expired.
 */
export class KeyStore {
  private keys: LoadedKey[] = []
  private loadedAt = 0
  private loading: Promise<void> | null = null

  constructor(
    private readonly database: Database,
    private readonly options: {
      privateKeyPem?: string
      keyId?: string
      tokenTtlSeconds: number
      refreshMs?: number
      secretsKey: string | undefined
      previousSecretsKey?: string | undefined
      /** A stored key that cannot be opened (SECRETS_KEY changed, say): it still verifies, no longer signs. */
      onUnreadableKey?: (kid: string) => void
    },
  ) {}

  private async refresh(now: Date, force = false): Promise<void> {
    if (!force && this.keys.length > 0 && now.getTime() - this.loadedAt < (this.options.refreshMs ?? 60_000)) return
    this.loading ??= this.load(now).finally(() => (this.loading = null))
    await this.loading
  }

  private async load(now: Date): Promise<void> {
    const horizon = new Date(now.getTime() - this.options.tokenTtlSeconds * 1000 - 60_000)
    const readRows = () =>
      this.database.db
        .select()
        .from(signingKeys)
        .where(or(isNull(signingKeys.retiredAt), gt(signingKeys.retiredAt, horizon)))
        .orderBy(desc(signingKeys.createdAt))
    let rows = await readRows()
    if (!this.options.privateKeyPem && !rows.some((row) => row.retiredAt === null && row.privateJwk)) {
      await this.generate(now)
      rows = await readRows()
    }
    let loaded = await this.loadRows(rows, now)
    if (!this.options.privateKeyPem && !loaded.some((key) => key.retiredAt === null && key.privateKey)) {
      // No stored key can be opened: they are retired (still published, so their tokens verify until
      // they expire) and a new one, sealed with the current key, signs from now on.
      await this.database.db.update(signingKeys).set({ retiredAt: now }).where(isNull(signingKeys.retiredAt))
      await this.generate(now)
      loaded = await this.loadRows(await readRows(), now)
    }
    this.keys = loaded
    this.loadedAt = now.getTime()
  }

  private async loadRows(rows: (typeof signingKeys.$inferSelect)[], now: Date): Promise<LoadedKey[]> {
    const loaded: LoadedKey[] = []
    if (this.options.privateKeyPem && this.options.keyId) {
      const privateKey = await importPKCS8(this.options.privateKeyPem, signingAlgorithm, { extractable: true })
      const { d: _private, ...publicJwk } = await exportJWK(privateKey)
      loaded.push({
        kid: this.options.keyId,
        publicJwk: {
          ...publicJwk,
          kty: publicJwk.kty ?? 'EC',
          kid: this.options.keyId,
          alg: signingAlgorithm,
          use: 'sig',
        },
        publicKey: (await importJWK({ ...publicJwk, alg: signingAlgorithm }, signingAlgorithm)) as CryptoKey,
        privateKey,
        createdAt: now,
        retiredAt: null,
      })
    }
    for (const row of rows) {
      if (row.kid === this.options.keyId) continue
      const publicJwk = row.publicJwk as PublishedJwk
      loaded.push({
        kid: row.kid,
        publicJwk,
        publicKey: (await importJWK(publicJwk, signingAlgorithm)) as CryptoKey,
        privateKey: row.privateJwk ? await this.privateKeyOf(row.kid, row.privateJwk) : null,
        createdAt: row.createdAt,
        retiredAt: row.retiredAt,
      })
    }
    return loaded
  }

  private async generate(now: Date): Promise<string> {
    const { publicKey, privateKey } = await generateKeyPair(signingAlgorithm, { extractable: true })
    const kid = `${now.toISOString().slice(0, 10)}-${randomUUID().slice(0, 8)}`
    const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: signingAlgorithm, use: 'sig' }
    const privateJwk = { ...(await exportJWK(privateKey)), kid, alg: signingAlgorithm }
    const sealed = seal(secretsKeyOf(this.options), 'signing-key', JSON.stringify(privateJwk), kid)
    await this.database.db
      .insert(signingKeys)
      .values({ kid, algorithm: signingAlgorithm, publicJwk, privateJwk: sealed, createdAt: now })
    return kid
  }

  /**
   * A stored private key is a sealed JSON string. One that cannot be opened — kept in clear by an older
   * version (cps migrate seals those), or sealed under a key no longer configured — signs nothing.
   */
  private async privateKeyOf(kid: string, stored: unknown): Promise<CryptoKey | null> {
    try {
      if (typeof stored !== 'string') throw new Error('not sealed')
      const jwk = JSON.parse(unseal(openingKeysOf(this.options), 'signing-key', stored, kid)) as JWK
      return (await importJWK(jwk, signingAlgorithm)) as CryptoKey
    } catch {
      this.options.onUnreadableKey?.(kid)
      return null
    }
  }

  async signingKey(now: Date): Promise<{ kid: string; privateKey: CryptoKey }> {
    await this.refresh(now)
    const active = this.keys.find((key) => key.retiredAt === null && key.privateKey)
    if (!active?.privateKey) throw new Error('no signing key is available')
    return { kid: active.kid, privateKey: active.privateKey }
  }

  /** The public key for a kid; an unknown kid triggers one reload (another instance may have rotated). */
  async publicKey(kid: string, now: Date): Promise<CryptoKey | undefined> {
    await this.refresh(now)
    let key = this.keys.find((candidate) => candidate.kid === kid)
    if (!key && now.getTime() - this.loadedAt > 5_000) {
      await this.refresh(now, true)
      key = this.keys.find((candidate) => candidate.kid === kid)
    }
    return key?.publicKey
  }

  async jwks(now: Date): Promise<{ keys: PublishedJwk[] }> {
    await this.refresh(now)
    return { keys: this.keys.map((key) => key.publicJwk) }
  }

  /** Starts signing with a new key; the old ones stay published until their tokens expire. */
  async rotate(now: Date): Promise<string> {
    await this.database.db
      .update(signingKeys)
      .set({ retiredAt: now, privateJwk: null })
      .where(isNull(signingKeys.retiredAt))
    const kid = await this.generate(now)
    await this.refresh(now, true)
    return kid
  }
}
