import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto'

/**
 * Subscription secrets. The service needs each one in clear to sign, so it cannot keep a hash: with a
 * key configured it keeps them encrypted (AES-256-GCM, bound to the subscription id so a ciphertext
 * cannot be moved to another row); without one (development, tests) it keeps them as written.
 */

const plainPrefix = 'plain:'
const sealedPrefix = 'v1:'

export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`
}

function keyFrom(secretKey: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secretKey, 'cps-webhook-secrets', 'v1', 32))
}

export function sealSecret(secret: string, secretKey: string | undefined, subscriptionId: string): string {
  if (!secretKey) return `${plainPrefix}${secret}`
  const iv = randomBytes(12)
  const cipher = createCipheriv('aes-256-gcm', keyFrom(secretKey), iv)
  cipher.setAAD(Buffer.from(subscriptionId))
  const encrypted = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()])
  return `${sealedPrefix}${[iv, cipher.getAuthTag(), encrypted].map((part) => part.toString('base64url')).join('.')}`
}

/** The secret in clear; throws when it was sealed under another key (or none is configured now). */
export function openSecret(stored: string, secretKey: string | undefined, subscriptionId: string): string {
  if (stored.startsWith(plainPrefix)) return stored.slice(plainPrefix.length)
  if (!stored.startsWith(sealedPrefix)) throw new Error('the stored secret is in an unknown format')
  if (!secretKey) throw new Error('the secret is encrypted but no webhook secret key is configured')
  const [iv, tag, encrypted] = stored.slice(sealedPrefix.length).split('.').map((part) => Buffer.from(part, 'base64url'))
  if (!iv || !tag || !encrypted) throw new Error('the stored secret is in an unknown format')
  const decipher = createDecipheriv('aes-256-gcm', keyFrom(secretKey), iv)
  decipher.setAAD(Buffer.from(subscriptionId))
  decipher.setAuthTag(tag)
  try {
    return Buffer.concat([decipher.update(encrypted), decipher.final()]).toString('utf8')
  } catch {
    throw new Error('the secret cannot be decrypted with the configured webhook secret key')
  }
}
