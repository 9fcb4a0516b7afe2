import type { FastifyRequest } from 'fastify'
import type { SQL } from 'drizzle-orm'
import type { OpenedRows, Tx } from '../db/client.js'
import { isUniqueViolation } from '../db/errors.js'
import { audit, auditCall, requestAuditRecord, type AuditEntry } from './audit.js'
import type { Principal } from './auth.js'
import type { HttpProblem } from './problem.js'
import { inScope, type Scope, type UnitNode } from './scope.js'

/** What a unit of work on personal data knows of the request it serves. */
export interface Work {
  readonly tx: Tx
  readonly principal: Principal
  readonly scope: Scope
  /** One reading of the clock for the whole work. */
  readonly now: Date
  readonly request: FastifyRequest
  /** Appends an audit event for the caller, in this work's transaction. */
  audit(entry: AuditEntry): Promise<void>
  /** The same audit event as a call, for a statement that writes it with the change (db/together.ts). */
  auditCall(entry: AuditEntry): SQL
  /** The administrative units, effective-dated, as the caller's scope resolves them. */
  unitTree(): Promise<UnitNode[]>
  /** The rows of the statement the work was opened with (`ScopedOptions.openWith`); undefined without one. */
  readonly opened: OpenedRows | undefined
}

/** A problem to answer once the work's transaction has committed (with the audit of, say, a read that found nothing). */
export class Refusal {
  constructor(readonly problem: HttpProblem) {}
}

export function refuse(problem: HttpProblem): Refusal {
  return new Refusal(problem)
}

export interface ScopedOptions {
  /** Unique constraints whose violation is the client's conflict, by constraint name. */
  conflicts?: Readonly<Record<string, () => HttpProblem>>
  /**
   * A statement of literals for the caller's scope, run as the transaction opens, in the round trip that
   * carries its BEGIN and the scope (see `inScope`): a busy write path's first read.
   */
  openWith?: (scope: Scope) => string | undefined
}

/** The rows of the statement `work` was opened with, which `opening` names (for the error when it was not). */
export function openedRows(work: Work, opening: string): OpenedRows {
  if (!work.opened) throw new Error(`this work must be opened with ${opening}`)
  return work.opened
}

/**
 * The one way a route does work on personal data: as its caller, in one transaction under the
 * caller's scope (the predicate every personal-data query takes, and the settings row-level security
 * reads). The work ends in one of three ways:
 * - it returns its result, which commits;
 * - it throws a problem, which rolls everything back (its audit events too) and answers; a 404 on a
 *   write is audited afterwards by the error handler (platform/audit.ts, auditMissingOnWrite);
 * - it returns `refuse(problem)`, which commits what it did (the audit of a read that found nothing)
 *   and then answers the problem.
 */
export async function scoped<T>(
  request: FastifyRequest,
  work: (context: Work) => Promise<T | Refusal>,
  options: ScopedOptions = {},
): Promise<T> {
  const principal = request.principal
  if (!principal) throw new Error('scoped work needs an authenticated principal')
  const { database, clock, accounts } = request.server
  const now = clock.now()
  const auditedBefore = request.auditWritten
  let outcome: T | Refusal
  try {
    outcome = await inScope(
      database.db,
      principal.scope,
      (tx, opened) =>
        work({
          tx,
          principal,
          scope: principal.scope,
          now,
          request,
          audit: (entry) => audit(tx, request, entry),
          auditCall: (entry) => auditCall([requestAuditRecord(request, entry)]),
          unitTree: () => accounts.principals.unitTree(),
          opened,
        }),
      options.openWith?.(principal.scope),
    )
  } catch (error) {
    // Its audit events were rolled back with it.
    request.auditWritten = auditedBefore
    for (const [constraint, problem] of Object.entries(options.conflicts ?? {})) {
      if (isUniqueViolation(error, constraint)) throw problem()
    }
    throw error
  }
  if (outcome instanceof Refusal) throw outcome.problem
  return outcome
}
