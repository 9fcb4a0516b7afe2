import createClient, { type Client, type ClientPathsWithMethod, type MethodResponse } from 'openapi-fetch'
import { ProblemError } from './problem.js'
import type { paths } from './schema.js'
import { Session, type Fetch, type SessionTokens } from './session.js'

type Method = 'get' | 'post' | 'patch' | 'delete'
type Operation<P extends keyof paths, M extends Method> = paths[P][M]
type ParametersOf<O> = O extends { parameters: infer Parameters } ? Parameters : never
type HeadersOf<O> = NonNullable<ParametersOf<O> extends { header?: infer Header } ? Header : never>
/** Whether an operation declares a request header (operations without headers declare `never`). */
type Declares<O, Header extends string> = [HeadersOf<O>] extends [never]
  ? false
  : Header extends keyof HeadersOf<O>
    ? true
    : false
export type CpsApi = Client<paths, 'application/json'>
/** The paths that have an operation for the method. */
type PathsOf<M extends Method> = ClientPathsWithMethod<CpsApi, M>
/** What an operation answers with on success. */
export type Data<P extends PathsOf<M>, M extends Method> = MethodResponse<CpsApi, M, P>

/** The operations that create and accept an Idempotency-Key. */
export type IdempotentPath = {
  [P in PathsOf<'post'>]: Declares<Operation<P, 'post'>, 'idempotency-key'> extends true ? P : never
}[PathsOf<'post'>]
/** The resources read with an ETag and changed (or deleted) with If-Match. */
export type VersionedPath<M extends 'patch' | 'delete'> = {
  [P in PathsOf<M> & PathsOf<'get'>]: Declares<Operation<P, M>, 'if-match'> extends true ? P : never
}[PathsOf<M> & PathsOf<'get'>]
/** The lists paged with `?cursor=`, answering `{ items, nextCursor }`. */
export type PagedPath = {
  [P in PathsOf<'get'>]: Operation<P, 'get'> extends { parameters: { query?: { cursor?: string } } }
    ? Data<P, 'get'> extends { items: unknown[]; nextCursor: string | null }
      ? P
      : never
    : never
}[PathsOf<'get'>]

/** What every call takes besides its parameters and body: headers of your own, an AbortSignal, … */
type Init<P extends keyof paths, M extends Method> = Omit<RequestInit, 'body' | 'method'> & {
  params?: ParametersOf<Operation<P, M>>
}
type BodyOf<O> = O extends { requestBody?: { content: { 'application/json': infer Body } } } ? Body : never
type WithoutHeader<Parameters, Header extends string> = Omit<Parameters, 'header'> & {
  header?: Omit<NonNullable<Parameters extends { header?: infer H } ? H : never>, Header>
}
type ItemOf<P extends PagedPath> = Data<P, 'get'> extends { items: (infer Item)[] } ? Item : never

/** A record as read, with the ETag that a change of it sends back as If-Match. */
export interface Versioned<T> {
  data: T
  etag: string
}

export interface CpsClientOptions {
  /** Where the service is, e.g. https://cps.hanoi.example (no trailing /v1). */
  baseUrl: string
  /** A session kept from before (the newest refresh token; an access token too if you have one). */
  session?: Partial<SessionTokens>
  /** Told every time the tokens change, and null when the session ends: keep the refresh token if you resume later. */
  onTokens?: (tokens: SessionTokens | null) => void
  /** How a creating request is retried after a network failure: same Idempotency-Key, so nothing is created twice. */
  retry?: { attempts?: number; delayMs?: number }
  /** Defaults to the global fetch. */
  fetch?: Fetch
}

type Outcome = { data?: unknown; error?: unknown; response: Response }

// The helpers take any path of a kind, so openapi-fetch cannot resolve one path's options from them; they are checked
// at the helpers' own signatures instead, and sent through this untyped view of the same client.
type UntypedRequest = (method: Method, path: string, init: Record<string, unknown>) => Promise<Outcome>

function dataOf({ data, error, response }: Outcome): unknown {
  if (!response.ok) throw ProblemError.from(response, error)
  return data
}

/** The data of a call, or a ProblemError with what the service answered instead. */
export async function unwrap<R extends Outcome>(call: Promise<R>): Promise<R extends { data: infer D } ? D : never> {
  return dataOf(await call) as R extends { data: infer D } ? D : never
}

function etagOf(response: Response): string {
  const etag = response.headers.get('etag')
  if (etag === null) throw new Error(`${response.url} answered without an ETag.`)
  return etag
}

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * A client of the child protection service: `api` is every operation of the contract, typed (openapi-fetch), and
 * signs its requests with the session; the helpers around it do what every integrator must get right.
 */
export function createCpsClient(options: CpsClientOptions) {
  const send: Fetch = options.fetch ?? ((request) => globalThis.fetch(request))
  const session = new Session(options.baseUrl, send, options.onTokens, options.session)
  const api: CpsApi = createClient<paths, 'application/json'>({ baseUrl: options.baseUrl, fetch: session.fetch })
  const request = api.request as unknown as UntypedRequest
  const attempts = options.retry?.attempts ?? 3
  const delayMs = options.retry?.delayMs ?? 250

  return {
    api,

    /** Signs a person in (password grant); the session renews itself with the refresh token from then on. */
    signIn: (credentials: { username: string; password: string }) =>
      session.signInWithPassword(credentials.username, credentials.password),

    /** Signs a machine client in (client credentials); it signs in again by itself when its token expires. */
    signInAsClient: (credentials: { clientId: string; clientSecret: string }) =>
      session.signInWithClientCredentials(credentials.clientId, credentials.clientSecret),

    /** Renews the tokens now (requests renew them by themselves when refused); false when the session has ended. */
    refresh: () => session.renew(),

    /** Ends the session at the service and forgets its tokens, whatever the service answers. */
    async logout(): Promise<void> {
      // A session resumed from a kept refresh token has no access token yet: the request renews it first.
      if (session.accessToken === undefined && !session.renewable) return
      try {
        const { error, response } = await api.POST('/v1/auth/logout')
        // 401: the session had already ended.
        if (!response.ok && response.status !== 401) throw ProblemError.from(response, error)
      } finally {
        session.end()
      }
    },

    /**
     * Creates with an Idempotency-Key (one per call, or yours in params.header) and sends it again after a network
     * failure, or while the service still runs the first (409 idempotency_in_progress, after its Retry-After): a
     * request whose answer was lost is answered as it was the first time, and creates nothing twice.
     */
    async create<P extends IdempotentPath>(
      path: P,
      init: Init<P, 'post'> & { body: BodyOf<Operation<P, 'post'>> },
    ): Promise<Data<P, 'post'>> {
      const headers = { 'idempotency-key': globalThis.crypto.randomUUID(), ...init.params?.header }
      for (let attempt = 1; ; attempt++) {
        try {
          const outcome = await request('post', path, { ...init, params: { ...init.params, header: headers } })
          return dataOf(outcome) as Data<P, 'post'>
        } catch (error) {
          // The first request is still running at the service: its answer comes to a retry with the same key.
          const stillRunning = error instanceof ProblemError && error.code === 'idempotency_in_progress'
          if ((error instanceof ProblemError && !stillRunning) || attempt >= attempts) throw error
          const retryAfterSeconds = stillRunning ? Number(error.headers.get('retry-after')) : NaN
          await wait(Number.isFinite(retryAfterSeconds) ? retryAfterSeconds * 1000 : delayMs * attempt)
        }
      }
    },

    /** Every item of a list, page after page, following `nextCursor` until it is null. */
    async *paginate<P extends PagedPath>(path: P, init: Init<P, 'get'> = {}): AsyncGenerator<ItemOf<P>> {
      let cursor = init.params?.query?.cursor
      do {
        const params = { ...init.params, query: { ...init.params?.query, cursor } }
        const page = dataOf(await request('get', path, { ...init, params })) as {
          items: ItemOf<P>[]
          nextCursor: string | null
        }
        yield* page.items
        cursor = page.nextCursor ?? undefined
      } while (cursor !== undefined)
    },

    /** Reads a record with its ETag, for a later updateWithVersion or deleteWithVersion. */
    async readVersioned<P extends VersionedPath<'patch' | 'delete'>>(
      path: P,
      init: Init<P, 'get'>,
    ): Promise<Versioned<Data<P, 'get'>>> {
      const outcome = await request('get', path, init)
      return { data: dataOf(outcome) as Data<P, 'get'>, etag: etagOf(outcome.response) }
    },

    /**
     * Changes a record if it is still the version read (its ETag as If-Match); a 412 ProblemError when someone
     * changed it since: read it again, show what changed, and let the officer decide.
     */
    async updateWithVersion<P extends VersionedPath<'patch'>>(
      path: P,
      init: Omit<Init<P, 'patch'>, 'params'> & {
        params: WithoutHeader<ParametersOf<Operation<P, 'patch'>>, 'if-match'>
        body: BodyOf<Operation<P, 'patch'>>
        etag: string
      },
    ): Promise<Versioned<Data<P, 'patch'>>> {
      const { etag, ...rest } = init
      const params = { ...init.params, header: { ...init.params.header, 'if-match': etag } }
      const outcome = await request('patch', path, { ...rest, params })
      return { data: dataOf(outcome) as Data<P, 'patch'>, etag: etagOf(outcome.response) }
    },

    /** Deletes a record if it is still the version read; a 412 ProblemError when it changed since. */
    async deleteWithVersion<P extends VersionedPath<'delete'>>(
      path: P,
      init: Omit<Init<P, 'delete'>, 'params'> & {
        params: WithoutHeader<ParametersOf<Operation<P, 'delete'>>, 'if-match'>
        etag: string
      },
    ): Promise<void> {
      const { etag, ...rest } = init
      const params = { ...init.params, header: { ...init.params.header, 'if-match': etag } }
      dataOf(await request('delete', path, { ...rest, params }))
    },
  }
}

export type CpsClient = ReturnType<typeof createCpsClient>
