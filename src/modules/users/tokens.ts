import { randomUUID } from 'node:crypto'
import {
  createRemoteJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  errors as joseErrors,
  jwtVerify,
  SignJWT,
  type JWTPayload,
  type JWTVerifyGetKey,
} from 'jose'
import { unauthorized } from '../../platform/auth.js'
import { KeyStore, signingAlgorithm } from './keys.js'

export type SubjectKind = 'user' | 'client'

export interface VerifiedToken {
  /** Local tokens name the account; external ones carry the provider's subject, mapped to a user later. */
  subject: { kind: SubjectKind; id: string } | { kind: 'external'; subject: string }
  claims: JWTPayload
  /** The sign-in session a person's token was issued in (its `sid`), which must still be live. */
  sessionId?: string
}

export interface TokenServiceOptions {
  issuer: string
  audience: string
  ttlSeconds: number
  external?: { issuer: string; jwksUrl: string; audience: string }
  /** Allowed clock difference between issuer and verifier. */
  clockToleranceSeconds?: number
}

const externalAlgorithms = ['RS256', 'PS256', 'ES256']

/**
 * A token whose signature and claims checked out is trusted again, by its exact text, for this long
 * (never past its expiry): a signature check costs more than the rest of a primary-key read. Keys are
 * never withdrawn before the tokens they signed expire, so nothing the cache skips could have changed
 * the answer within the window; the account behind the token is still re-read (principal cache).
 */
const verifiedTokenTtlMs = 60_000
const verifiedTokenCacheSize = 5000

export class TokenService {
  private readonly externalKeys: JWTVerifyGetKey | undefined
  private readonly verified = new Map<string, { result: VerifiedToken; until: number }>()

  constructor(
    private readonly keys: KeyStore,
    private readonly options: TokenServiceOptions,
  ) {
    this.externalKeys = options.external
      ? createRemoteJWKSet(new URL(options.external.jwksUrl), { timeoutDuration: 3000, cooldownDuration: 30_000 })
      : undefined
  }

  /** `lifetimeSeconds` defaults to the configured access-token lifetime; `sessionId` is a person's sign-in session. */
  async issue(
    subject: { kind: SubjectKind; id: string },
    now: Date,
    lifetimeSeconds = this.options.ttlSeconds,
    sessionId?: string,
  ): Promise<{ token: string; expiresIn: number }> {
    const { kid, privateKey } = await this.keys.signingKey(now)
    const issuedAt = Math.floor(now.getTime() / 1000)
    const token = await new SignJWT({ typ: subject.kind, ...(sessionId ? { sid: sessionId } : {}) })
      .setProtectedHeader({ alg: signingAlgorithm, kid, typ: 'at+jwt' })
      .setIssuer(this.options.issuer)
      .setAudience(this.options.audience)
      .setSubject(`${subject.kind}:${subject.id}`)
      .setIssuedAt(issuedAt)
      .setNotBefore(issuedAt)
      .setExpirationTime(issuedAt + lifetimeSeconds)
      .setJti(randomUUID())
      .sign(privateKey)
    return { token, expiresIn: lifetimeSeconds }
  }

  /** Verifies signature, algorithm, issuer, audience and times; every failure is the same kind of 401. */
  async verify(token: string, now: Date): Promise<VerifiedToken> {
    const known = this.verified.get(token)
    if (known && known.until > now.getTime()) return known.result
    if (known) this.verified.delete(token)
    const result = await this.verifySignatureAndClaims(token, now)
    this.remember(token, result, now)
    return result
  }

  private remember(token: string, result: VerifiedToken, now: Date): void {
    const expiresAt = typeof result.claims.exp === 'number' ? result.claims.exp * 1000 : now.getTime()
    const until = Math.min(expiresAt, now.getTime() + verifiedTokenTtlMs)
    if (until <= now.getTime()) return
    if (!this.verified.has(token) && this.verified.size >= verifiedTokenCacheSize) {
      // Maps iterate in insertion order: the first key is the longest-held.
      this.verified.delete(this.verified.keys().next().value!)
    }
    this.verified.set(token, { result, until })
  }

  private async verifySignatureAndClaims(token: string, now: Date): Promise<VerifiedToken> {
    let issuer: string | undefined
    try {
      decodeProtectedHeader(token)
      issuer = decodeJwt(token).iss
    } catch {
      throw unauthorized('invalid_token', 'The bearer token is malformed.')
    }
    const tolerance = this.options.clockToleranceSeconds ?? 30
    try {
      if (this.options.external && this.externalKeys && issuer === this.options.external.issuer) {
        const { payload } = await jwtVerify(token, this.externalKeys, {
          algorithms: externalAlgorithms,
          issuer: this.options.external.issuer,
          audience: this.options.external.audience,
          currentDate: now,
          clockTolerance: tolerance,
          requiredClaims: ['exp', 'sub'],
        })
        return { subject: { kind: 'external', subject: payload.sub! }, claims: payload }
      }
      const { payload } = await jwtVerify(
        token,
        async (header) => {
          const key = header.kid ? await this.keys.publicKey(header.kid, now) : undefined
          if (!key) throw new joseErrors.JWKSNoMatchingKey()
          return key
        },
        {
          algorithms: [signingAlgorithm],
          issuer: this.options.issuer,
          audience: this.options.audience,
          currentDate: now,
          clockTolerance: tolerance,
          requiredClaims: ['exp', 'iat', 'sub'],
          typ: 'at+jwt',
        },
      )
      const match = /^(user|client):([0-9a-f-]{36})$/.exec(payload.sub ?? '')
      if (!match) throw unauthorized('invalid_token', 'The token subject is not an account of this service.')
      const sessionId = typeof payload.sid === 'string' ? payload.sid : undefined
      return {
        subject: { kind: match[1] as SubjectKind, id: match[2]! },
        claims: payload,
        ...(sessionId ? { sessionId } : {}),
      }
    } catch (error) {
      if (error instanceof joseErrors.JWTExpired) throw unauthorized('token_expired', 'The bearer token has expired.')
      if (error instanceof joseErrors.JOSEError)
        throw unauthorized('invalid_token', 'The bearer token is not valid for this service.')
      throw error
    }
  }
}
