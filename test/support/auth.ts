import { randomBytes } from 'node:crypto'
import { insertClient, insertUser } from '../../src/modules/users/repository.js'
import type { TestApp } from './app.js'

const testTokenLifetimeSeconds = 365 * 24 * 60 * 60

export interface TestAccount {
  id: string
  username: string
  token: string
  headers: { authorization: string }
}

/** Creates an account straight in the database and a token for it (the token endpoint has its own tests). */
export async function accountFor(
  { app }: TestApp,
  spec: { role: string; units: string[]; grants?: string[]; username?: string; active?: boolean },
): Promise<TestAccount> {
  const now = app.clock.now()
  const username = spec.username ?? `${spec.role.replace(/_/g, '-')}-${randomBytes(4).toString('hex')}`
  const user = await insertUser(app.database.db, {
    username,
    displayName: username,
    role: spec.role,
    units: spec.units,
    grants: spec.grants ?? [],
    active: spec.active ?? true,
    passwordHash: null,
    createdAt: now,
    updatedAt: now,
    createdBy: 'test',
  })
  // Tests move the clock across days and weeks; their tokens outlive that (expiry has its own tests).
  const { token } = await app.accounts.tokens.issue({ kind: 'user', id: user.id }, now, testTokenLifetimeSeconds)
  return { id: user.id, username, token, headers: { authorization: `Bearer ${token}` } }
}

/** Ward codes used across the tests: two wards of Hoàng Mai before 2025 and the province. */
export const wardA = '00301'
export const wardB = '00304'
export const province = '01'
/**
 * Wards that exist today (since the 2025 reorganisation), for tests that run on the real clock: an
 * abolished ward takes no new record (422 unit_not_active).
 */
export const wardToday = '00301-2025'
export const otherWardToday = '00322-2025'

/** A machine client (e.g. a city system) and a token for it. */
export async function clientFor({ app }: TestApp, spec: { role: string; units: string[] }): Promise<TestAccount> {
  const now = app.clock.now()
  const client = await insertClient(app.database.db, {
    name: `${spec.role}-${randomBytes(3).toString('hex')}`,
    role: spec.role,
    units: spec.units,
    secretHash: 'not-used-by-tests',
    createdAt: now,
  })
  const { token } = await app.accounts.tokens.issue({ kind: 'client', id: client.id }, now, testTokenLifetimeSeconds)
  return { id: client.id, username: client.name, token, headers: { authorization: `Bearer ${token}` } }
}
