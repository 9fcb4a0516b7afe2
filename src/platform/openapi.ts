import { readFileSync } from 'node:fs'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { ifMatchRule } from './concurrency.js'
import { requestHeaders, responseHeaders } from './openapi-headers.js'
import { problemResponses } from './schemas.js'

const packageJson = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string
  description: string
}

const apiTags = [
  { name: 'health', description: 'Liveness and readiness probes' },
  { name: 'units', description: 'Administrative units, effective-dated (wards, district, residential groups)' },
  { name: 'reference', description: 'Catalogues: special-circumstance groups and other reference data' },
  { name: 'calendar', description: 'Public holidays and working-day deadlines' },
  {
    name: 'children',
    description:
      'The child registry: records, circumstances, care, health insurance, search, duplicates, history, export',
  },
  { name: 'households', description: 'The household child book' },
  {
    name: 'imports',
    description:
      'Bulk import of children and households from CSV, XLSX or NDJSON: dry runs, per-row reports, errors.csv',
  },
  {
    name: 'incidents',
    description: 'Abuse and rights violations: the 24-hour written report, Decree 56 case steps, deadline alerts',
  },
  {
    name: 'assessments',
    description:
      'Child-friendly wards (Decision 06/QĐ-TTg): versioned criteria sets, ward assessments, verdicts, suggestions from the data, the district view',
  },
  {
    name: 'indicators',
    description:
      'Plan indicators computed live per ward and district, targets per plan year, reporting periods, exports',
  },
  {
    name: 'reports',
    description:
      'Periodic ward reports: frozen figures, submission and timeliness, review, district consolidation, exports, DHIS2',
  },
  { name: 'auth', description: 'Tokens and the keys that verify them' },
  { name: 'users', description: 'People, machine clients, roles' },
  { name: 'audit', description: 'The hash-chained audit log' },
  { name: 'events', description: 'The event feed and signed webhooks for integrating systems' },
]

/** The OpenAPI 3.1 document is generated from the route schemas; shared schemas become components by $id. */
async function openapiPlugin(app: FastifyInstance) {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Child protection information service',
        version: packageJson.version,
        description: `${packageJson.description}\n\nErrors are RFC 9457 problem details (application/problem+json) with a stable \`code\`.`,
        license: { name: 'MIT', identifier: 'MIT' },
      },
      tags: apiTags,
      servers: [{ url: '/', description: 'this deployment' }],
      components: {
        securitySchemes: {
          bearerAuth: {
            type: 'http',
            scheme: 'bearer',
            bearerFormat: 'JWT',
            description: 'An ES256 access token from POST /v1/auth/token (or a trusted external issuer).',
          },
        },
      },
    },
    // Responses every operation can give, documented once here rather than on each route.
    transform: ({ schema, url, route }) => {
      const permission = (route.config as { permission?: string } | undefined)?.permission ?? 'public'
      const common = url.startsWith('/health/') ? problemResponses(500) : problemResponses(429, 500, 503)
      const config = route.config as { idempotent?: unknown; ifMatch?: 'to-replace' } | undefined
      const declaredResponses = { ...common, ...((schema?.response as Record<string, unknown> | undefined) ?? {}) }
      const response = responseHeaders(declaredResponses, {
        rateLimited: !url.startsWith('/health/'),
        idempotent: Boolean(config?.idempotent),
      })
      const ifMatch = ifMatchRule(schema?.response as Record<string, unknown> | undefined, config)
      const headers = requestHeaders(
        declaredResponses,
        { ifMatch, idempotent: Boolean(config?.idempotent) },
        schema?.headers as Record<string, unknown> | undefined,
      )
      const needs =
        permission === 'public'
          ? 'Public: no token needed.'
          : permission === 'authenticated'
            ? 'Requires a valid token (any role).'
            : `Requires the \`${permission}\` permission.`
      const description = schema?.description ? `${schema.description}\n\n${needs}` : needs
      return {
        url,
        schema: {
          ...schema,
          ...(headers ? { headers } : {}),
          description,
          response,
          security: permission === 'public' ? [] : [{ bearerAuth: [] }],
          'x-permission': permission,
        },
      }
    },
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, index) =>
        typeof json.$id === 'string' ? json.$id : `def-${index}`,
    },
  })
  app.get('/openapi.json', { schema: { hide: true }, config: { permission: 'public' } }, async () => app.swagger())
  if (app.config.http.docsEnabled) {
    await app.register(async (docs) => {
      // The documentation pages are public on purpose; declared here because the plugin adds the routes.
      docs.addHook('onRoute', (route) => {
        route.config = { ...route.config, permission: 'public' }
      })
      await docs.register(swaggerUi, {
        routePrefix: '/docs',
        staticCSP: true,
        // The plugin's policy asks the browser to upgrade every request to https: over plain http at any
        // host but localhost the page then loads none of its scripts and stays blank. The service's own
        // transport (TLS at the proxy, HSTS in production) decides the scheme, not this page.
        transformStaticCSP: withoutUpgradeToHttps,
        uiConfig: { deepLinking: true, defaultModelsExpandDepth: 0 },
      })
    })
  }
}

/** A content security policy without `upgrade-insecure-requests`. */
export function withoutUpgradeToHttps(policy: string): string {
  return policy
    .split(';')
    .map((directive) => directive.trim())
    .filter((directive) => directive !== '' && directive !== 'upgrade-insecure-requests')
    .join('; ')
}

export default fp(openapiPlugin, { name: 'platform-openapi', fastify: '5.x' })
