import type { FastifyInstance, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { audit } from './audit.js'
import type { Permission, PermissionByCase, RoutePermission } from './permissions.js'
import { HttpProblem } from './problem.js'
import type { Scope } from './scope.js'

export interface Principal {
  kind: 'user' | 'client' | 'system'
  id: string
  /** Username or client name: who acted, for the audit log. */
  name: string
  role: string
  permissions: ReadonlySet<Permission>
  units: readonly string[]
  scope: Scope
  /** A person's sign-in session, when the token was issued in one (logout and password change end it or keep it). */
  sessionId?: string
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** What the caller must hold. Every route declares one; a route without it is refused (default deny). */
    permission?: RoutePermission
    /** The permission the handler further requires, by what the request is about (printed in the contract). */
    permissionByCase?: PermissionByCase<string>
  }
  interface FastifyRequest {
    principal: Principal | null
  }
  interface FastifyInstance {
    /** "METHOD url" → the permission each registered route declares, for the default-deny test. */
    routePermissions(): Map<string, RoutePermission | undefined>
  }
}

interface AuthOptions {
  /** Verifies a bearer token and loads the principal fresh; throws a 401 HttpProblem when it cannot. */
  authenticate(token: string, request: FastifyRequest): Promise<Principal>
}

export function unauthorized(code: string, detail: string): HttpProblem {
  return new HttpProblem(401, code, detail, {
    headers: { 'www-authenticate': `Bearer realm="cps", error="invalid_token"` },
  })
}

export function hasPermission(principal: Principal | null, permission: Permission): boolean {
  return !!principal && principal.permissions.has(permission)
}

async function authPlugin(app: FastifyInstance, options: AuthOptions) {
  app.decorateRequest('principal', null)
  // Route options are read when asked, since plugins' own onRoute hooks may still set `config` after ours.
  const routes: { method: string | string[]; url: string; config?: { permission?: RoutePermission } }[] = []
  app.addHook('onRoute', (route) => {
    routes.push(route)
  })
  app.decorate('routePermissions', () => {
    const declared = new Map<string, RoutePermission | undefined>()
    for (const route of routes) {
      for (const method of Array.isArray(route.method) ? route.method : [route.method]) {
        declared.set(`${method} ${route.url}`, route.config?.permission)
      }
    }
    return declared
  })

  app.addHook('onRequest', async (request) => {
    if (request.is404) return
    // CORS preflights carry no credentials; the CORS plugin answers them (or refuses the origin).
    if (request.method === 'OPTIONS') return
    const permission = request.routeOptions.config.permission
    if (permission === 'public') return
    if (permission === undefined) {
      request.log.error({ route: request.routeOptions.url }, 'route declares no permission; refused')
      throw new HttpProblem(403, 'permission_undeclared', 'This operation declares no permission and is refused.')
    }
    if (/[?&]access_token=/.test(request.url)) {
      throw unauthorized('token_in_query', 'Send the token in the Authorization header, never in the URL.')
    }
    const header = request.headers.authorization
    if (!header) throw unauthorized('unauthenticated', 'This operation needs a bearer token.')
    // The scheme is case-insensitive (RFC 9110 §11.1).
    const match = /^bearer +([A-Za-z0-9._~+/-]+=*) *$/i.exec(header)
    if (!match) throw unauthorized('invalid_token', 'The Authorization header must be "Bearer <token>".')
    request.principal = await options.authenticate(match[1]!, request)
    if (permission === 'authenticated' || request.principal.permissions.has(permission)) return
    await audit(app.database.db, request, {
      action: 'access.denied',
      outcome: 'denied',
      details: { permission, route: `${request.method} ${request.routeOptions.url}` },
    })
    throw new HttpProblem(
      403,
      'forbidden',
      `This operation needs the ${permission} permission, which your role does not hold.`,
      {
        extensions: { requiredPermission: permission },
      },
    )
  })
}

export default fp(authPlugin, { name: 'platform-auth', fastify: '5.x', dependencies: ['platform-errors'] })
