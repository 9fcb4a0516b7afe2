import { sql } from 'drizzle-orm'
import { queryRows } from '../../../src/db/client.js'
import { inScope, systemScope } from '../../../src/platform/scope.js'
import type { TestApp } from '../../support/app.js'
import type { TestAccount } from '../../support/auth.js'

/** 10:00 in Hanoi. */
export const now = '2024-06-15T03:00:00Z'

export const childHeader = [
  'externalId',
  'fullName',
  'sex',
  'dateOfBirth',
  'wardCode',
  'streetAddress',
  'personalId',
  'groupCodes',
]

/** CSV text: cells quoted when they need it, CRLF line ends. */
export function csv(rows: readonly (readonly (string | number)[])[]): string {
  const cell = (value: string | number) => {
    const text = String(value)
    return /[",\r\n;]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text
  }
  return rows.map((row) => row.map(cell).join(',')).join('\r\n') + '\r\n'
}

/** A synthetic child row for childHeader: row `n` of ward `ward`. */
export function childRow(
  n: number,
  ward = '00301',
  overrides: Partial<Record<(typeof childHeader)[number], string>> = {},
): string[] {
  const values: Record<string, string> = {
    externalId: `E-${n}`,
    fullName: `Trẻ Thử Nghiệm ${n}`,
    sex: n % 2 === 0 ? 'female' : 'male',
    dateOfBirth: `${String((n % 28) + 1).padStart(2, '0')}/0${(n % 9) + 1}/2018`,
    wardCode: ward,
    streetAddress: `Số ${n} ngõ Mẫu`,
    personalId: '',
    groupCodes: '',
    ...overrides,
  }
  return childHeader.map((column) => values[column]!)
}

export interface ImportRequest {
  kind?: 'children' | 'households'
  query?: string
  contentType?: string
}

export function postImport({ app }: TestApp, account: TestAccount, body: string | Buffer, request: ImportRequest = {}) {
  const query = `kind=${request.kind ?? 'children'}${request.query ? `&${request.query}` : ''}`
  return app.inject({
    method: 'POST',
    url: `/v1/imports?${query}`,
    headers: { ...account.headers, 'content-type': request.contentType ?? 'text/csv' },
    payload: body,
  })
}

/** Counts rows of a table across every unit (as the service itself would, not as any caller). */
export async function countRows(ctx: TestApp, table: string, where = sql`true`): Promise<number> {
  return inScope(ctx.database.db, systemScope, async (tx) => {
    const [row] = await queryRows<{ n: number }>(
      tx,
      sql`select count(*)::int as n from ${sql.identifier(table)} where ${where}`,
    )
    return row?.n ?? 0
  })
}

/** What the registry holds, to show that a refused or dry-run import changed nothing. */
export async function registrySnapshot(ctx: TestApp) {
  return {
    children: await countRows(ctx, 'children'),
    households: await countRows(ctx, 'households'),
    revisions: await countRows(ctx, 'child_revisions'),
    circumstances: await countRows(ctx, 'child_circumstances'),
    recordAudits: await countRows(
      ctx,
      'audit_events',
      sql`resource_type in ('child', 'household') and action not like '%.read' and action not like '%.list'`,
    ),
    events: await countRows(ctx, 'events', sql`type like 'child.%'`),
  }
}

/** Polls an import until it reaches one of `states` (background reading runs after the 202). */
export async function waitForState(
  { app }: TestApp,
  account: TestAccount,
  id: string,
  states: string[],
  timeoutMs = 120_000,
) {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const response = await app.inject({ url: `/v1/imports/${id}`, headers: account.headers })
    const body = response.json<{ state: string; startedAt: string | null }>()
    if (states.includes(body.state) && !(body.state === 'running' && body.startedAt === null)) return response.json()
    if (Date.now() > deadline) throw new Error(`import ${id} stayed ${body.state}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}
