import t from 'tap'
import { createTestApp } from '../support/app.js'
import { accountFor, wardA } from '../support/auth.js'
import { registerChild } from '../support/registry.js'

t.test(
  'concurrent edits: with If-Match exactly one of 20 wins each version, the rest get 412, nothing is lost',
  async (t) => {
    const ctx = await createTestApp(t, { now: '2024-06-15T03:00:00Z' })
    const { app } = ctx
    const officer = await accountFor(ctx, { role: 'ward_officer', units: [wardA] })
    const child = await registerChild(ctx, officer, {
      fullName: 'Đinh Văn Khôi',
      dateOfBirth: '2016-06-06',
      address: { wardCode: wardA },
    })
    const rounds = 3
    for (let round = 1; round <= rounds; round++) {
      const current = await app.inject({ url: `/v1/children/${child.id}`, headers: officer.headers })
      const etag = current.headers.etag as string
      const responses = await Promise.all(
        Array.from({ length: 20 }, (_, client) =>
          app.inject({
            method: 'PATCH',
            url: `/v1/children/${child.id}`,
            headers: { ...officer.headers, 'if-match': etag },
            payload: { address: { wardCode: wardA, streetAddress: `round ${round} client ${client}` } },
          }),
        ),
      )
      const statuses = responses.map((r) => r.statusCode)
      t.equal(statuses.filter((s) => s === 200).length, 1, `round ${round}: one winner`)
      t.equal(statuses.filter((s) => s === 412).length, 19, `round ${round}: 19 told the record changed`)
    }
    const history = (await app.inject({ url: `/v1/children/${child.id}/history`, headers: officer.headers })).json()
      .items
    const updates = history.filter((r: { action: string }) => r.action === 'update')
    t.equal(updates.length, rounds, 'one revision per winning write: no lost update, no phantom one')
    const final = (await app.inject({ url: `/v1/children/${child.id}`, headers: officer.headers })).json()
    t.equal(final.version, rounds + 1)
    t.equal(
      final.address.streetAddress,
      updates.at(-1).changes.find((c: { field: string }) => c.field === 'streetAddress').to,
      'the record holds the last winner’s value',
    )
  },
)
