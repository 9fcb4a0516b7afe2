import { sealPlainSigningKeys } from '../modules/users/keys.js'
import { sealPlainWebhookSecrets } from '../modules/webhooks/repository.js'
import type { Database } from './client.js'

/**
 * Seals every secret an older version kept in clear (webhook signing secrets, the generated token
 * signing key). Run by the process entries after the migrations, as the tables' owner; a no-op once done.
 */
export async function sealStoredSecrets(database: Database, secretsKey: string): Promise<{ webhookSecrets: number; signingKeys: number }> {
  return {
    webhookSecrets: await sealPlainWebhookSecrets(database.db, secretsKey),
    signingKeys: await sealPlainSigningKeys(database.db, secretsKey),
  }
}
