import createClient from 'openapi-fetch'
import { ProblemError } from './problem.js'
import type { paths } from './schema.js'

export interface SessionTokens {
  accessToken: string
  /** A person's only: exchanged once for the next pair. Keep the newest; an older one presented ends the session. */
  refreshToken?: string
}

export type Fetch = (request: Request) => Promise<Response>

type TokenRequest = paths['/v1/auth/token']['post']['requestBody']['content']['application/json']

/**
 * The tokens of one sign-in, sent on every request and renewed when the service refuses them: a person's with the
 * refresh token, a machine client's by signing in again with its credentials. A refresh token works once and a
 * second presentation ends the session, so every renewal in progress is shared by all who need it.
 */
export class Session {
  private tokens: Partial<SessionTokens> | null
  private clientCredentials: { clientId: string; clientSecret: string } | null = null
  private renewal: Promise<boolean> | null = null
  private readonly tokenEndpoint

  constructor(
    baseUrl: string,
    private readonly send: Fetch,
    private readonly onTokens: ((tokens: SessionTokens | null) => void) | undefined,
    resumed: Partial<SessionTokens> | undefined,
  ) {
    this.tokens = resumed ?? null
    this.tokenEndpoint = createClient<paths>({ baseUrl, fetch: send })
  }

  get accessToken(): string | undefined {
    return this.tokens?.accessToken
  }

  async signInWithPassword(username: string, password: string): Promise<void> {
    this.clientCredentials = null
    this.store(await this.requestTokens({ grant_type: 'password', username, password }))
  }

  async signInWithClientCredentials(clientId: string, clientSecret: string): Promise<void> {
    this.store(
      await this.requestTokens({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret }),
    )
    this.clientCredentials = { clientId, clientSecret }
  }

  /**
   * New tokens for this sign-in; false when there is nothing to renew with or the service refuses (the session
   * has ended: sign in again). Callers at the same moment share one exchange.
   */
  renew(): Promise<boolean> {
    this.renewal ??= this.exchange().finally(() => {
      this.renewal = null
    })
    return this.renewal
  }

  /** Forgets the tokens and credentials (after logging out, or when the session has ended). */
  end(): void {
    this.clientCredentials = null
    this.store(null)
  }

  /** Sends a request with the access token; on a 401, renews once and sends it again. */
  readonly fetch: Fetch = async (request) => {
    if (this.tokens?.accessToken === undefined && this.renewable) await this.renew()
    const used = this.tokens?.accessToken
    const retry = this.renewable ? request.clone() : undefined
    const response = await this.send(withToken(request, used))
    if (response.status !== 401 || retry === undefined) return response
    // Another request may have renewed the tokens while this one was on its way: then its token is the one to use.
    if (this.tokens?.accessToken === used && !(await this.renew())) return response
    const current = this.tokens?.accessToken
    if (current === undefined) return response
    await response.body?.cancel()
    return this.send(withToken(retry, current))
  }

  /** Whether the session can get a new access token by itself (a refresh token, or a client's credentials). */
  get renewable(): boolean {
    return this.clientCredentials !== null || this.tokens?.refreshToken !== undefined
  }

  private async exchange(): Promise<boolean> {
    const refreshToken = this.tokens?.refreshToken
    const request: TokenRequest | undefined = this.clientCredentials
      ? {
          grant_type: 'client_credentials',
          client_id: this.clientCredentials.clientId,
          client_secret: this.clientCredentials.clientSecret,
        }
      : refreshToken !== undefined
        ? { grant_type: 'refresh_token', refresh_token: refreshToken }
        : undefined
    if (request === undefined) return false
    try {
      this.store(await this.requestTokens(request))
      return true
    } catch (error) {
      // 400 invalid_grant (the session ended) or 401 invalid_client (the client was revoked): nothing to retry.
      if (error instanceof ProblemError && (error.status === 400 || error.status === 401)) {
        this.end()
        return false
      }
      throw error
    }
  }

  private async requestTokens(body: TokenRequest): Promise<SessionTokens> {
    const { data, error, response } = await this.tokenEndpoint.POST('/v1/auth/token', { body })
    if (data === undefined) throw ProblemError.from(response, error)
    return { accessToken: data.access_token, refreshToken: data.refresh_token }
  }

  private store(tokens: SessionTokens | null): void {
    this.tokens = tokens
    this.onTokens?.(tokens)
  }
}

function withToken(request: Request, accessToken: string | undefined): Request {
  if (accessToken !== undefined) request.headers.set('authorization', `Bearer ${accessToken}`)
  return request
}
