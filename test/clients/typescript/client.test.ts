import type { AddressInfo } from 'node:net'
import t from 'tap'
import {
  createCpsClient,
  ProblemError,
  unwrap,
  type CpsClientOptions,
  type SessionTokens,
} from '../../../clients/typescript/src/index.js'
import { hashSecret, newClientSecret } from '../../../src/modules/users/passwords.js'
import { insertClient } from '../../../src/modules/users/repository.js'
import { createTestApp } from '../../support/app.js'
import { accountFor, province, wardToday } from '../../support/auth.js'

const password = 'mật khẩu thử nghiệm 2026'
const accessTokenLifetimeMs = 15 * 60_000

/** Every request the client sent, as the server answered it: the story each test tells, seen on the wire. */
function recordingFetch() {
  const sent: { method: string; path: string; idempotencyKey: string | null; status: number; replayed: boolean }[] = []
  const fetch = async (request: Request) => {
    const { method, headers } = request
    const response = await globalThis.fetch(request)
    sent.push({
      method,
      path: new URL(request.url).pathname,
      idempotencyKey: headers.get('idempotency-key'),
      status: response.status,
      replayed: response.headers.get('idempotent-replayed') === 'true',
    })
    return response
  }
  return { sent, fetch }
}

t.test('the TypeScript client against a running server', async (t) => {
  const ctx = await createTestApp(t)
  const { app, clock } = ctx
  await app.listen({ port: 0, host: '127.0.0.1' })
  const baseUrl = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
  const admin = await accountFor(ctx, { role: 'district_admin', units: [province] })
  const officer = await app.inject({
    method: 'POST',
    url: '/v1/users',
    headers: admin.headers,
    payload: { username: 'thu.le', displayName: 'Lê Thị Thu', role: 'ward_officer', units: [wardToday], password },
  })
  t.equal(officer.statusCode, 201)

  const kept: (SessionTokens | null)[] = []
  const wire = recordingFetch()
  const options: CpsClientOptions = {
    baseUrl,
    fetch: wire.fetch,
    onTokens: (tokens) => kept.push(tokens),
    retry: { delayMs: 0 },
  }
  const cps = createCpsClient(options)
  const tokenRequests = () => wire.sent.filter((request) => request.path === '/v1/auth/token').length

  t.test('signs in with a password; a refused token is renewed once, however many requests need it', async (t) => {
    await cps.signIn({ username: 'thu.le', password })
    t.match(kept.at(-1), { accessToken: /^eyJ/, refreshToken: /^cpsrt_/ })
    t.match(await unwrap(cps.api.GET('/v1/me')), { name: 'thu.le', role: 'ward_officer' })
    const signedIn = kept.at(-1)!
    clock.advance(accessTokenLifetimeMs + 60_000)
    const before = tokenRequests()
    const answers = await Promise.all(Array.from({ length: 5 }, () => unwrap(cps.api.GET('/v1/me'))))
    t.same(
      answers.map((me) => me.name),
      Array(5).fill('thu.le'),
    )
    t.equal(tokenRequests() - before, 1, 'one exchange of the single-use refresh token for all five')
    t.not(kept.at(-1)!.refreshToken, signedIn.refreshToken, 'the refresh token rotated')
    t.equal(await cps.refresh(), true, 'and can be renewed on demand')
    t.equal(tokenRequests() - before, 2)
  })

  let householdId = ''
  t.test('creates a household and a child, and finds the child by name', async (t) => {
    const created = await cps.create('/v1/households', {
      body: {
        headName: 'Nguyễn Văn Bình',
        address: { wardCode: wardToday, streetAddress: 'Số 7 ngõ 45 phố Tân Mai' },
        members: [{ fullName: 'Nguyễn Văn Bình', birthYear: 1986, sex: 'male', relationship: 'head' }],
      },
    })
    t.equal(created.headName, 'Nguyễn Văn Bình')
    const child = await cps.create('/v1/children', {
      body: {
        fullName: 'Nguyễn Văn An',
        sex: 'male',
        dateOfBirth: '2019-04-12',
        address: { wardCode: wardToday },
        householdId: created.id,
        relationshipToHead: 'child',
      },
    })
    const found = await unwrap(cps.api.GET('/v1/children', { params: { query: { q: 'nguyen van an' } } }))
    t.same(
      found.items.map((item) => item.id),
      [child.id],
    )
    const creates = wire.sent.filter((request) => request.method === 'POST' && request.path !== '/v1/auth/token')
    t.equal(creates.length, 2)
    t.ok(
      creates.every((request) => request.idempotencyKey?.length === 36),
      'each creating request carries an Idempotency-Key of its own',
    )
    t.not(creates[0]!.idempotencyKey, creates[1]!.idempotencyKey)
    householdId = created.id
  })

  t.test('iterates a paged list to its end', async (t) => {
    const names = ['Trần Thị Mai', 'Trần Văn Nam', 'Trần Thị Lan', 'Trần Văn Hải', 'Trần Thị Hoa']
    const ids = new Set<string>()
    for (const fullName of names) {
      const child = await cps.create('/v1/children', {
        body: { fullName, sex: 'unknown', birthYear: 2018, address: { wardCode: wardToday }, householdId },
      })
      ids.add(child.id)
    }
    const pagesBefore = wire.sent.filter(
      (request) => request.path === '/v1/children' && request.method === 'GET',
    ).length
    const listed: string[] = []
    for await (const child of cps.paginate('/v1/children', { params: { query: { householdId, limit: 2 } } })) {
      listed.push(child.id)
    }
    t.equal(listed.length, 6, 'the five and the child created before')
    t.ok([...ids].every((id) => listed.includes(id)))
    t.equal(new Set(listed).size, listed.length, 'no child twice')
    const pages = wire.sent.filter((request) => request.path === '/v1/children' && request.method === 'GET')
    t.equal(pages.length - pagesBefore, 3, 'three pages of two')
  })

  t.test('changes a record with its ETag; a stale ETag is a typed 412', async (t) => {
    const [first] = (await unwrap(cps.api.GET('/v1/children', { params: { query: { q: 'Nguyễn Văn An' } } }))).items
    const path = { id: first!.id }
    const read = await cps.readVersioned('/v1/children/{id}', { params: { path } })
    t.equal(read.etag, `"${read.data.version}"`)
    const changed = await cps.updateWithVersion('/v1/children/{id}', {
      params: { path },
      etag: read.etag,
      body: { schoolingStatus: 'primary' },
    })
    t.equal(changed.data.schoolingStatus, 'primary')
    t.equal(changed.etag, `"${read.data.version + 1}"`)

    const stale = await cps
      .updateWithVersion('/v1/children/{id}', { params: { path }, etag: read.etag, body: { schoolingStatus: 'other' } })
      .catch((error: unknown) => error)
    t.ok(stale instanceof ProblemError)
    const problem = stale as ProblemError
    t.match(problem, { status: 412, code: 'version_mismatch', title: String, detail: /changed since you read it/ })
    t.equal(problem.problem.currentVersion, read.data.version + 1)
    t.equal(problem.headers.get('etag'), changed.etag, 'the current ETag, to read again')
    t.match(problem.requestId, /.+/)

    await cps.deleteWithVersion('/v1/children/{id}', {
      params: { path, query: { reason: 'Đăng ký trùng (dữ liệu thử)' } },
      etag: changed.etag,
    })
    const gone = await cps.readVersioned('/v1/children/{id}', { params: { path } }).catch((error: unknown) => error)
    t.match(gone, { status: 404, code: 'not_found' })
  })

  t.test('a create whose answer was lost is sent again with its key and creates nothing twice', async (t) => {
    let answersLost = 0
    const flaky = createCpsClient({
      ...options,
      session: kept.at(-1)!,
      fetch: async (request) => {
        const response = await wire.fetch(request)
        if (request.method === 'POST' && answersLost++ === 0) {
          await response.body?.cancel()
          throw new TypeError('fetch failed: the connection was reset')
        }
        return response
      },
    })
    const created = await flaky.create('/v1/households', {
      body: { headName: 'Phạm Thị Hằng', address: { wardCode: wardToday } },
    })
    const [lost, replayed] = wire.sent.slice(-2)
    t.match(lost, { method: 'POST', path: '/v1/households', status: 201, replayed: false })
    t.match(replayed, { method: 'POST', path: '/v1/households', status: 201, replayed: true })
    t.equal(replayed!.idempotencyKey, lost!.idempotencyKey, 'the same key on the retry')
    const named = await unwrap(cps.api.GET('/v1/households', { params: { query: { q: 'Phạm Thị Hằng' } } }))
    t.same(
      named.items.map((item) => item.id),
      [created.id],
      'one household',
    )

    const sentBefore = wire.sent.length
    const invalid = await cps
      .create('/v1/households', { body: { headName: '', address: { wardCode: wardToday } } })
      .catch((error: unknown) => error)
    t.match(invalid, { status: 400, code: String, errors: [{ pointer: '/headName' }] })
    t.equal(wire.sent.length - sentBefore, 1, 'a refusal is not retried')
  })

  t.test('a machine client signs in with its credentials, and again when its token expires', async (t) => {
    const clientSecret = newClientSecret()
    const client = await insertClient(app.database.db, {
      name: 'Hệ thống thành phố (thử)',
      role: 'city_system',
      units: [province],
      secretHash: await hashSecret(clientSecret, app.accounts.hashing),
      createdAt: clock.now(),
    })
    const city = createCpsClient({ baseUrl, fetch: wire.fetch })
    await city.signInAsClient({ clientId: client.id, clientSecret })
    t.match(await unwrap(city.api.GET('/v1/me')), { kind: 'client', role: 'city_system' })
    const before = tokenRequests()
    clock.advance(accessTokenLifetimeMs + 60_000)
    t.match(await unwrap(city.api.GET('/v1/me')), { kind: 'client' })
    t.equal(tokenRequests() - before, 1, 'signed in again')
    await city.logout()
    t.match(await unwrap(city.api.GET('/v1/me')).catch((error: unknown) => error), { status: 401 })
  })

  t.test('a session kept as its refresh token resumes in another client', async (t) => {
    const resumed: (SessionTokens | null)[] = []
    const later = createCpsClient({
      baseUrl,
      session: { refreshToken: kept.at(-1)!.refreshToken },
      onTokens: (tokens) => resumed.push(tokens),
    })
    t.match(await unwrap(later.api.GET('/v1/me')), { name: 'thu.le' })
    t.match(resumed, [{ accessToken: /^eyJ/, refreshToken: /^cpsrt_/ }])
    t.equal(await cps.refresh(), false, 'the first client’s refresh token was used: its session ends')
    t.same(kept.at(-1), null, 'and it is told so')
  })

  t.test('logout ends the session at the service; the next request is a typed 401', async (t) => {
    await cps.signIn({ username: 'thu.le', password })
    const session = kept.at(-1)!
    await cps.logout()
    t.same(kept.at(-1), null)
    const anonymous = await unwrap(cps.api.GET('/v1/me')).catch((error: unknown) => error)
    t.ok(anonymous instanceof ProblemError)
    t.match(anonymous, { status: 401 })
    const stolen = createCpsClient({ baseUrl, session: { accessToken: session.accessToken } })
    t.match(await unwrap(stolen.api.GET('/v1/me')).catch((error: unknown) => error), {
      status: 401,
      code: 'session_ended',
    })
    const stolenRefresh = createCpsClient({ baseUrl, session: { refreshToken: session.refreshToken } })
    t.equal(await stolenRefresh.refresh(), false, 'nor can its refresh token be exchanged')
    const told = kept.length
    await cps.logout()
    t.equal(kept.length, told, 'logging out with no session asks nothing and changes nothing')
  })

  t.test('a session resumed from its refresh token logs out before any other request', async (t) => {
    await cps.signIn({ username: 'thu.le', password })
    const { refreshToken } = kept.at(-1)!
    const resumed = createCpsClient({ baseUrl, session: { refreshToken } })
    await resumed.logout()
    const later = createCpsClient({ baseUrl, session: { refreshToken } })
    t.equal(await later.refresh(), false, 'the service ended the session')
    t.equal(await cps.refresh(), false, 'for every client that held it')
  })

  t.test('a create the service is still running is asked again after its Retry-After', async (t) => {
    await cps.signIn({ username: 'thu.le', password })
    let answers = 0
    const busy = createCpsClient({
      ...options,
      session: kept.at(-1)!,
      fetch: async (request) => {
        if (request.method === 'POST' && answers++ === 0) {
          const problem = {
            type: 'about:blank',
            title: 'Conflict',
            status: 409,
            code: 'idempotency_in_progress',
            detail: 'still running',
          }
          return new Response(JSON.stringify(problem), {
            status: 409,
            headers: { 'content-type': 'application/problem+json', 'retry-after': '0' },
          })
        }
        return wire.fetch(request)
      },
    })
    const created = await busy.create('/v1/households', {
      body: { headName: 'Đỗ Văn Khải', address: { wardCode: wardToday } },
    })
    t.equal(answers, 2, 'asked twice')
    t.match(created, { headName: 'Đỗ Văn Khải' })
  })

  t.test('a wrong password is a ProblemError with the OAuth code', async (t) => {
    const refused = await cps
      .signIn({ username: 'thu.le', password: 'not the password' })
      .catch((error: unknown) => error)
    t.match(refused, { status: 400, code: 'invalid_grant' })
  })
})

t.test('an answer that is not problem+json is still a ProblemError', async (t) => {
  const cps = createCpsClient({
    baseUrl: 'http://cps.invalid',
    fetch: async () => new Response('<html>Bad Gateway</html>', { status: 502, statusText: 'Bad Gateway' }),
  })
  const failed = await unwrap(cps.api.GET('/health/live')).catch((error: unknown) => error)
  t.ok(failed instanceof ProblemError)
  t.match(failed, { status: 502, code: 'http_502', title: 'Bad Gateway', detail: /Bad Gateway/, errors: [] })
})
