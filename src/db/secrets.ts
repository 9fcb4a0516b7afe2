import { eq, isNotNull } from 'drizzle-orm'
import { sealPlainSigningKeys } from '../modules/users/keys.js'
import { signingKeys } from '../modules/users/tables.js'
import { sealPlainWebhookSecrets } from '../modules/webhooks/repository.js'
import { webhookSubscriptions } from '../modules/webhooks/tables.js'
import { isSealed, seal, unseal, type SealPurpose } from '../platform/sealing.js'
import type { Database } from './client.js'

/**
 * Seals every secret an older version kept in clear (webhook signing secrets, the generated token
 * signing key). Run by the process entries after the migrations, as the tables' owner; a no-op once done.
 */
export async function sealStoredSecrets(
  database: Database,
  secretsKey: string,
): Promise<{ webhookSecrets: number; signingKeys: number }> {
  return {
    webhookSecrets: await sealPlainWebhookSecrets(database.db, secretsKey),
    signingKeys: await sealPlainSigningKeys(database.db, secretsKey),
  }
}

/**
 * After SECRETS_KEY changed (the old one in SECRETS_KEY_PREVIOUS): every sealed secret is opened with
 * whichever key opens it and sealed again with the current one, so the previous key can be dropped.
 * Returns how many were resealed and which could be opened with neither key.
 */
export async function resealStoredSecrets(database: Database, keys: { current: string; previous: string | undefined }) {
  const opening = [keys.current, keys.previous]
  const unreadable: string[] = []
  let resealed = 0
  const reseal = (purpose: SealPurpose, stored: string, boundTo: string): string | null => {
    try {
      return seal(keys.current, purpose, unseal(opening, purpose, stored, boundTo), boundTo)
    } catch {
      unreadable.push(`${purpose} ${boundTo}`)
      return null
    }
  }
  const subscriptions = await database.db
    .select({
      id: webhookSubscriptions.id,
      secret: webhookSubscriptions.secret,
      previousSecret: webhookSubscriptions.previousSecret,
    })
    .from(webhookSubscriptions)
  for (const row of subscriptions) {
    const sealed = isSealed(row.secret) ? reseal('webhook-secret', row.secret, row.id) : null
    // A rotation's previous secret, still signing for a day, is sealed the same way.
    const previous =
      row.previousSecret !== null && isSealed(row.previousSecret)
        ? reseal('webhook-secret', row.previousSecret, row.id)
        : null
    if (!sealed && !previous) continue
    await database.db
      .update(webhookSubscriptions)
      .set({ ...(sealed ? { secret: sealed } : {}), ...(previous ? { previousSecret: previous } : {}) })
      .where(eq(webhookSubscriptions.id, row.id))
    resealed += (sealed ? 1 : 0) + (previous ? 1 : 0)
  }
  const keysKept = await database.db.select().from(signingKeys).where(isNotNull(signingKeys.privateJwk))
  for (const row of keysKept) {
    const sealed = typeof row.privateJwk === 'string' ? reseal('signing-key', row.privateJwk, row.kid) : null
    if (!sealed) continue
    await database.db.update(signingKeys).set({ privateJwk: sealed }).where(eq(signingKeys.kid, row.kid))
    resealed++
  }
  return { resealed, unreadable }
}
