import type { Config } from '../../config.js'
import type { Database } from '../../db/client.js'
import type { Clock } from '../../platform/clock.js'
import { KeyStore } from './keys.js'
import { DecoyHash, type HashParameters } from './passwords.js'
import { PrincipalDirectory } from './principals.js'
import { TokenService } from './tokens.js'

/** The account machinery one application instance shares across requests. */
export interface AccountServices {
  keys: KeyStore
  tokens: TokenService
  principals: PrincipalDirectory
  hashing: HashParameters
  decoy: DecoyHash
  passwordMinLength: number
}

export function createAccountServices(
  config: Config,
  database: Database,
  clock: Clock,
  onUnreadableKey?: (kid: string) => void,
): AccountServices {
  const { auth } = config
  const keys = new KeyStore(database, {
    privateKeyPem: auth.privateKeyPem,
    keyId: auth.keyId,
    tokenTtlSeconds: auth.accessTokenTtlSeconds,
    secretsKey: config.secretsKey,
    previousSecretsKey: config.previousSecretsKey,
    onUnreadableKey,
  })
  const hashing = { memoryKib: auth.passwordHashMemoryKib, iterations: auth.passwordHashIterations }
  return {
    keys,
    tokens: new TokenService(keys, {
      issuer: auth.issuer,
      audience: auth.audience,
      ttlSeconds: auth.accessTokenTtlSeconds,
      external: auth.external,
    }),
    principals: new PrincipalDirectory(database, clock, auth.principalCacheTtlMs),
    hashing,
    decoy: new DecoyHash(hashing),
    passwordMinLength: auth.passwordMinLength,
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    accounts: AccountServices
  }
}
