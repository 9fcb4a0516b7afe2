import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto'
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'

/**
 * Secrets the service must read back — to sign with them — cannot be hashed. They are kept sealed:
 * AES-256-GCM under a key derived (HKDF) for their purpose from SECRETS_KEY, and bound to their row,
 * so a sealed value moved to another row or purpose does not open. A copy of the database alone
 * reveals none of them.
 */
export type SealPurpose = 'webhook-secret' | 'signing-key'

const salts: Record<SealPurpose, string> = {
  'webhook-secret': 'cps-webhook-secrets',
  'signing-key': 'cps-signing-keys',
}

const sealedPrefix = 'v1:'

function keyFor(secretsKey: string, purpose: SealPurpose): Buffer {
  return Buffer.from(hkdfSync('sha256', secretsKey, salts[purpose], 'v1', 32))
}

export function isSealed(stored: string): boolean {
  return stored.startsWith(sealedPrefix)
}

export function seal(secretsKey: string, purpose: SealPurpose, plaintext: string, boundTo: string): string {
  const iv = randomBytes(12)
  const cipher = createCipheriv('aes-256-gcm', keyFor(secretsKey, purpose), iv)
  cipher.setAAD(Buffer.from(boundTo))
  const encrypted = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()])
  return `${sealedPrefix}${[iv, cipher.getAuthTag(), encrypted].map((part) => part.toString('base64url')).join('.')}`
}

/**
 * The secret in clear, opened with the first of `secretsKeys` that opens it (the current key, then the
 * previous one while a change of key is under way); throws when none does, or when it was sealed for
 * another purpose or row.
 */
export function unseal(
  secretsKeys: string | readonly (string | undefined)[],
  purpose: SealPurpose,
  stored: string,
  boundTo: string,
): string {
  if (!isSealed(stored)) throw new Error('the stored secret is not sealed')
  const [iv, tag, encrypted] = stored
    .slice(sealedPrefix.length)
    .split('.')
    .map((part) => Buffer.from(part, 'base64url'))
  if (!iv || !tag || !encrypted) throw new Error('the stored secret is in an unknown format')
  for (const secretsKey of typeof secretsKeys === 'string' ? [secretsKeys] : secretsKeys) {
    if (!secretsKey) continue
    const decipher = createDecipheriv('aes-256-gcm', keyFor(secretsKey, purpose), iv)
    decipher.setAAD(Buffer.from(boundTo))
    decipher.setAuthTag(tag)
    try {
      return Buffer.concat([decipher.update(encrypted), decipher.final()]).toString('utf8')
    } catch {
      // not this key
    }
  }
  throw new Error('the stored secret cannot be opened with the configured SECRETS_KEY (nor SECRETS_KEY_PREVIOUS)')
}

/** The resolved key; the process entries (server, CLI) resolve it before anything is sealed. */
export function secretsKeyOf(config: { secretsKey: string | undefined }): string {
  if (!config.secretsKey) throw new Error('no SECRETS_KEY was resolved before secrets were sealed or opened')
  return config.secretsKey
}

/** The keys a sealed secret may open with: the current one, then the previous one during a change of key. */
export function openingKeysOf(config: {
  secretsKey: string | undefined
  previousSecretsKey?: string | undefined
}): string[] {
  return [secretsKeyOf(config), ...(config.previousSecretsKey ? [config.previousSecretsKey] : [])]
}

export const secretsKeyFileName = 'secrets.key'

/**
 * The key that seals secrets: SECRETS_KEY when set (required in production, where several instances
 * share it). On a desk or in development it is made once and kept in DATA_DIR/secrets.key (mode 0600),
 * beside the embedded database but not in it.
 */
export async function resolveSecretsKey(configured: string | undefined, dataDir: string): Promise<string> {
  if (configured) return configured
  await mkdir(dataDir, { recursive: true })
  const path = join(dataDir, secretsKeyFileName)
  try {
    await writeFile(path, `${randomBytes(32).toString('base64url')}\n`, { flag: 'wx', mode: 0o600 })
  } catch (error) {
    if ((error as { code?: string }).code !== 'EEXIST') throw error
  }
  await chmod(path, 0o600)
  const key = (await readFile(path, 'utf8')).trim()
  if (key.length < 32)
    throw new Error(
      `${path} holds no usable key; delete it to make a new one (secrets sealed with the old one are lost)`,
    )
  return key
}
