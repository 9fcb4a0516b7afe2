import { randomBytes } from 'node:crypto'
import argon2 from 'argon2'

export interface HashParameters {
  memoryKib: number
  iterations: number
}

/** argon2id, the memory-hard algorithm recommended for passwords; parameters are configuration. */
export function hashSecret(secret: string, parameters: HashParameters): Promise<string> {
  return argon2.hash(secret, {
    type: argon2.argon2id,
    memoryCost: parameters.memoryKib,
    timeCost: parameters.iterations,
    parallelism: 1,
  })
}

export async function verifySecret(hash: string, secret: string): Promise<boolean> {
  try {
    return await argon2.verify(hash, secret)
  } catch {
    return false
  }
}

/**
 * A hash that matches nothing, verified when the username is unknown so that a failed sign-in takes the
 * same time whether or not the account exists.
 */
export class DecoyHash {
  private hash: Promise<string> | null = null
  constructor(private readonly parameters: HashParameters) {}
  async verify(secret: string): Promise<false> {
    this.hash ??= hashSecret(randomBytes(24).toString('base64'), this.parameters)
    await verifySecret(await this.hash, secret)
    return false
  }
}

export function newClientSecret(): string {
  return randomBytes(32).toString('base64url')
}
