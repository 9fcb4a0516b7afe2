import { eq } from 'drizzle-orm'
import type { Database } from '../../db/client.js'
import { unauthorized, type Principal } from '../../platform/auth.js'
import type { Clock } from '../../platform/clock.js'
import { isPermission, type Permission } from '../../platform/permissions.js'
import { HttpProblem } from '../../platform/problem.js'
import { resolveScope, type UnitNode } from '../../platform/scope.js'
import { loadUnitTree } from '../units/repository.js'
import { liveSession } from './sessions.js'
import { clients, roles, users } from './tables.js'
import type { VerifiedToken } from './tokens.js'

interface Cached {
  principal: Principal
  expiresAt: number
}

const unitTreeTtlMs = 60_000

/** Principals kept at most: one per account and sign-in session in use within the cache's few seconds. */
const principalCacheSize = 5000

/**
 * Turns a verified token into the principal acting now: role, permissions, units and jurisdiction are
 * read from the account, not the token, and cached for a few seconds at most — so a deactivated account
 * or a moved officer loses access within that time, not at token expiry.
 */
export class PrincipalDirectory {
  private readonly cache = new Map<string, Cached>()
  /** Bumped by each invalidation of an account: a load that began before it is not kept. */
  private readonly generations = new Map<string, number>()
  /** Bumped when the units change: every load that began before is not kept either. */
  private unitsEpoch = 0
  private tree: { nodes: UnitNode[]; expiresAt: number } | null = null

  constructor(
    private readonly database: Database,
    private readonly clock: Clock,
    private readonly ttlMs: number,
  ) {}

  /** Forgets an account, in every session it was cached for. */
  invalidate(kind: 'user' | 'client', id: string): void {
    const key = `${kind}:${id}`
    this.generations.set(key, (this.generations.get(key) ?? 0) + 1)
    for (const cached of [...this.cache.keys()])
      if (cached === key || cached.startsWith(`${key}:`)) this.cache.delete(cached)
  }

  invalidateUnits(): void {
    this.unitsEpoch++
    this.tree = null
    this.cache.clear()
  }

  /** The unit tree (cached a minute, refreshed at once on changes made through this instance). */
  async unitTree(): Promise<UnitNode[]> {
    const now = this.clock.now().getTime()
    if (!this.tree || this.tree.expiresAt <= now) {
      this.tree = { nodes: await loadUnitTree(this.database.db), expiresAt: now + unitTreeTtlMs }
    }
    return this.tree.nodes
  }

  /**
   * An account as it is now (role, permissions and units re-read, never frozen when work was queued), for
   * work done on its behalf later: null when it is gone or deactivated; any other failure is thrown.
   */
  async current(subject: { kind: 'user' | 'client'; id: string }): Promise<Principal | null> {
    try {
      return await this.forToken({ subject, claims: {} })
    } catch (error) {
      if (error instanceof HttpProblem && error.status === 401) return null
      throw error
    }
  }

  async forToken(token: VerifiedToken): Promise<Principal> {
    const { subject } = token
    const account = subject.kind === 'external' ? `external:${subject.subject}` : `${subject.kind}:${subject.id}`
    const key = token.sessionId ? `${account}:${token.sessionId}` : account
    const now = this.clock.now().getTime()
    const cached = this.cache.get(key)
    if (cached && cached.expiresAt > now) return cached.principal
    if (cached) this.cache.delete(key)
    const generation = this.generations.get(account) ?? 0
    const epoch = this.unitsEpoch
    const principal = subject.kind === 'client' ? await this.loadClient(subject.id) : await this.loadUser(subject)
    if (token.sessionId) {
      // Logged out, revoked, or ended by a password change: its access tokens stop with it.
      if (!(await liveSession(this.database.db, token.sessionId, principal.id, this.clock.now())))
        throw unauthorized('session_ended', 'The sign-in session of this token has ended; sign in again.')
      principal.sessionId = token.sessionId
    }
    // A logout or a change that invalidated the account while this load ran must not be undone by it.
    if (this.ttlMs > 0 && (this.generations.get(account) ?? 0) === generation && this.unitsEpoch === epoch) {
      // Maps iterate in insertion order: the first key is the longest-held.
      if (this.cache.size >= principalCacheSize) this.cache.delete(this.cache.keys().next().value!)
      this.cache.set(key, { principal, expiresAt: now + this.ttlMs })
    }
    return principal
  }

  private async loadUser(subject: VerifiedToken['subject']): Promise<Principal> {
    const condition =
      subject.kind === 'external'
        ? eq(users.externalSubject, subject.subject)
        : eq(users.id, subject.kind === 'user' ? subject.id : '')
    const [row] = await this.database.db
      .select({ user: users, permissions: roles.permissions })
      .from(users)
      .innerJoin(roles, eq(roles.code, users.role))
      .where(condition)
    if (!row) throw unauthorized('unknown_account', 'The token names no account of this service.')
    if (!row.user.active) throw unauthorized('account_inactive', 'This account has been deactivated.')
    return {
      kind: 'user',
      id: row.user.id,
      name: row.user.username,
      role: row.user.role,
      permissions: toPermissions([...row.permissions, ...row.user.grants]),
      units: row.user.units,
      scope: resolveScope(await this.unitTree(), row.user.units),
    }
  }

  private async loadClient(id: string): Promise<Principal> {
    const [row] = await this.database.db
      .select({ client: clients, permissions: roles.permissions })
      .from(clients)
      .innerJoin(roles, eq(roles.code, clients.role))
      .where(eq(clients.id, id))
    if (!row) throw unauthorized('unknown_account', 'The token names no client of this service.')
    if (!row.client.active) throw unauthorized('account_inactive', 'This client has been revoked.')
    return {
      kind: 'client',
      id: row.client.id,
      name: row.client.name,
      role: row.client.role,
      permissions: toPermissions(row.permissions),
      units: row.client.units,
      scope: resolveScope(await this.unitTree(), row.client.units),
    }
  }
}

function toPermissions(values: string[]): ReadonlySet<Permission> {
  return new Set(values.filter(isPermission))
}
