/**
 * /docs in a real browser: the page renders over plain http at 127.0.0.1 and at a host name that is not,
 * Authorize signs in with both OAuth 2.0 flows (a machine client's credentials, a person's password), and
 * Try it out performs a GET and a PATCH that sends the If-Match typed into its field. Needs Chromium
 * (Debian's package): `npm run test:browser`.
 */
import { existsSync } from 'node:fs'
import { chromium, type Browser, type Locator, type Page } from 'playwright-core'
import t from 'tap'
import { hashSecret, newClientSecret } from '../../src/modules/users/passwords.js'
import { insertClient } from '../../src/modules/users/repository.js'
import { createTestApp } from '../support/app.js'
import { accountFor, province, wardToday } from '../support/auth.js'

// Debian's chromium package; another Chromium build may be named in CHROMIUM_PATH.
const browserPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

// Browsers spare 127.0.0.1 and localhost rules that bite at any other name (upgrading requests to https):
// the page is also opened at a name of its own, which the browser alone resolves (no /etc/hosts needed).
const docsHost = 'docs.test'
const password = 'mật khẩu đủ dài 2024'

/** Console errors (Chromium reports every content security policy violation there), exceptions, failed requests. */
function watchForFaults(page: Page): string[] {
  const faults: string[] = []
  page.on('console', (message) => {
    if (message.type() === 'error') faults.push(`console: ${message.text()}`)
  })
  page.on('pageerror', (error) => faults.push(`exception: ${error.message}`))
  page.on('requestfailed', (request) => faults.push(`request failed: ${request.url()}`))
  return faults
}

async function openDocs(browser: Browser, origin: string) {
  const page = await browser.newPage()
  const faults = watchForFaults(page)
  const response = await page.goto(`${origin}/docs/`)
  await page.locator('.opblock-tag').first().waitFor()
  return { page, faults, status: response?.status() }
}

/** Signs in through Authorize with one OAuth 2.0 flow, filling its form's fields (by their data-name). */
async function authorize(page: Page, flow: 'password' | 'clientCredentials', fields: Record<string, string>) {
  await page.locator('.scheme-container button.authorize').click()
  const form = page.locator('.auth-container').filter({ hasText: `OAuth2, ${flow}` })
  for (const [name, value] of Object.entries(fields)) await form.locator(`[data-name="${name}"]`).fill(value)
  await form.locator('button.authorize').click()
  await form.locator('button', { hasText: 'Logout' }).waitFor()
  await page.locator('.modal-ux button.btn-done').first().click()
}

/** Opens an operation's tag (tags start closed) and answers the operation's block. */
async function operationBlock(page: Page, operation: string): Promise<Locator> {
  const block = page.locator(`#operations-${operation}`)
  if ((await block.count()) === 0) await page.locator(`#operations-tag-${operation.split('-')[0]}`).click()
  await block.waitFor()
  return block
}

/** Expands an operation (Try it out is open from the start) and executes it; answers the status shown. */
async function execute(page: Page, operation: string, fill?: (block: Locator) => Promise<void>) {
  const block = await operationBlock(page, operation)
  await block.locator('.opblock-summary').first().click()
  await fill?.(block)
  await block.locator('button.execute').click()
  const status = block.locator('.live-responses-table .response .response-col_status')
  await status.waitFor()
  return (await status.innerText()).trim()
}

t.test(
  '/docs: rendered at any host over http, Authorize signs in, Try it out sends a GET and a PATCH with If-Match',
  {
    skip: existsSync(browserPath)
      ? false
      : `no browser at ${browserPath}: install Debian's chromium package or set CHROMIUM_PATH`,
  },
  async (t) => {
    const ctx = await createTestApp(t)
    const { app } = ctx
    const admin = await accountFor(ctx, { role: 'district_admin', units: [province] })
    const colleague = await accountFor(ctx, { role: 'ward_officer', units: [wardToday] })
    const created = await app.inject({
      method: 'POST',
      url: '/v1/users',
      headers: admin.headers,
      payload: {
        username: 'thu.le',
        displayName: 'Lê Thị Thu',
        role: 'ward_officer',
        units: [wardToday],
        password,
      },
    })
    t.equal(created.statusCode, 201, 'an officer who signs in with a password')
    const household = await app.inject({
      method: 'POST',
      url: '/v1/households',
      headers: colleague.headers,
      payload: {
        headName: 'Trần Văn Hùng',
        address: { wardCode: wardToday },
        members: [{ fullName: 'Trần Văn Hùng', birthYear: 1984, sex: 'male', relationship: 'head' }],
      },
    })
    t.equal(household.statusCode, 201)
    const householdId = household.json<{ id: string }>().id
    const etag = household.headers.etag as string
    // A machine client, registered straight in the database: registration has its own tests.
    const clientSecret = newClientSecret()
    const client = await insertClient(app.database.db, {
      name: 'Bảng số liệu thành phố',
      role: 'city_system',
      units: [province],
      secretHash: await hashSecret(clientSecret, app.accounts.hashing),
      createdAt: app.clock.now(),
    })

    await app.listen({ host: '127.0.0.1', port: 0 })
    const address = app.server.address()
    const port = typeof address === 'object' && address ? address.port : 0

    const browser = await chromium.launch({
      executablePath: browserPath,
      headless: true,
      args: ['--no-sandbox', '--disable-dev-shm-usage', `--host-resolver-rules=MAP ${docsHost} 127.0.0.1`],
    })
    t.teardown(() => browser.close())

    t.test('at 127.0.0.1: a machine client signs in and GETs /v1/me', async (t) => {
      const { page, faults, status } = await openDocs(browser, `http://127.0.0.1:${port}`)
      t.equal(status, 200)
      t.equal(await page.locator('.opblock-tag').count(), 16, 'every tag is listed')
      t.ok(await (await operationBlock(page, 'users-getCurrentPrincipal')).count(), 'and opens to its operations')
      await authorize(page, 'clientCredentials', { clientId: client.id, clientSecret })
      t.pass('signed in with the client credentials flow')
      t.equal(await execute(page, 'users-getCurrentPrincipal'), '200', 'GET /v1/me')
      t.match(await page.locator('#operations-users-getCurrentPrincipal .live-responses-table').innerText(), client.id)
      t.same(faults, [], 'no console error, CSP violation or failed request')
      await page.close()
    })

    t.test(`at http://${docsHost}: sign in, GET /v1/me, PATCH a household with If-Match`, async (t) => {
      const { page, faults, status } = await openDocs(browser, `http://${docsHost}:${port}`)
      t.equal(status, 200)
      t.ok(await (await operationBlock(page, 'households-updateHousehold')).count(), 'operations are listed')

      await authorize(page, 'password', { username: 'thu.le', password })
      t.pass('signed in with the password flow')

      const me = await execute(page, 'users-getCurrentPrincipal')
      t.equal(me, '200', 'GET /v1/me through Try it out')
      t.match(await page.locator('#operations-users-getCurrentPrincipal .live-responses-table').innerText(), 'thu.le')

      const patchSent = page.waitForRequest((request) => request.method() === 'PATCH')
      const patched = await execute(page, 'households-updateHousehold', async (block) => {
        await block.locator('tr[data-param-name="id"] input').fill(householdId)
        await block.locator('tr[data-param-name="if-match"] input').fill(etag)
        await block.locator('textarea.body-param__text').fill(JSON.stringify({ headName: 'Trần Văn Hưng' }))
      })
      const headers = (await patchSent).headers()
      t.equal(headers['if-match'], etag, 'the If-Match typed into its field was sent')
      t.match(headers.authorization, /^Bearer \S+$/, 'with the token Authorize obtained')
      t.equal(patched, '200', 'PATCH /v1/households/{id} through Try it out')

      const after = await app.inject({ url: `/v1/households/${householdId}`, headers: colleague.headers })
      t.equal(after.json<{ headName: string }>().headName, 'Trần Văn Hưng', 'the household changed')
      t.not(after.headers.etag, etag, 'and moved to a new version')
      t.same(faults, [], 'no console error, CSP violation or failed request')
      await page.close()
    })
  },
)
