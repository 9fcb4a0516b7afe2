/**
 * Subscription secrets. The service needs each one in clear to sign, so it cannot keep a hash: it keeps
 * them sealed (platform/sealing.ts), bound to the subscription id.
 */
import { randomBytes } from 'node:crypto'
import { seal, unseal } from '../../platform/sealing.js'

/** `whsec_` and 32 random bytes in base64, the format Standard Webhooks verifiers decode. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`
}

export function sealWebhookSecret(secretsKey: string, secret: string, subscriptionId: string): string {
  return seal(secretsKey, 'webhook-secret', secret, subscriptionId)
}

/** The secret in clear; throws when it cannot be opened with the configured keys. */
export function openWebhookSecret(
  secretsKeys: string | readonly string[],
  stored: string,
  subscriptionId: string,
): string {
  return unseal(secretsKeys, 'webhook-secret', stored, subscriptionId)
}
