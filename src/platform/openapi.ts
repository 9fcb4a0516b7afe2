import { readFileSync } from 'node:fs'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { ifMatchRule } from './concurrency.js'
import { withExamples } from './openapi-examples.js'
import { requestHeaders, responseHeaders } from './openapi-headers.js'
import {
  commonProblemCodes,
  describeProblemCodes,
  problemCodesDescription,
  withProblemCodeResponses,
} from './openapi-problem-codes.js'
import { describePermissionByCase } from './permissions.js'
import { commonCodes, commonGroupsOf, operationCodes, readProblemCodeDeclaration } from './problem-codes.js'
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
    name: 'case forms',
    description:
      'The Decree 56 forms of a case: intake, assessments, the support plan, reviews, closure; the chair’s approvals; the plan as a PDF',
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

/** Either scheme ends in the same bearer token: one a client obtained itself, or the one Authorize in /docs got. */
const tokenRequired: Record<string, string[]>[] = [{ bearerAuth: [] }, { oauth2: [] }]

/** The OpenAPI 3.1 document is generated from the route schemas; shared schemas become components by $id. */
async function openapiPlugin(app: FastifyInstance) {
  const problemCodes = readProblemCodeDeclaration()
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Child protection information service',
        version: packageJson.version,
        description: `${packageJson.description}\n\n${problemCodesDescription(problemCodes)}`,
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
          // The same token endpoint, declared as OAuth 2.0 flows so that Authorize in /docs can sign in.
          // Permissions come from the role, re-read on every request: there are no scopes to grant.
          oauth2: {
            type: 'oauth2',
            description:
              'Sign in at POST /v1/auth/token: a person with the password flow, a machine client with client ' +
              'credentials. Either way the token is the bearer token above.',
            flows: {
              password: { tokenUrl: '/v1/auth/token', refreshUrl: '/v1/auth/token', scopes: {} },
              clientCredentials: { tokenUrl: '/v1/auth/token', scopes: {} },
            },
          },
        },
      },
    },
    // Responses every operation can give, documented once here rather than on each route.
    transform: ({ schema, url, route }) => {
      const permission = (route.config as { permission?: string } | undefined)?.permission ?? 'public'
      const common = url.startsWith('/health/') ? problemResponses(500) : problemResponses(429, 500, 503)
      const config = route.config as
        { idempotent?: unknown; ifMatch?: 'to-replace'; location?: boolean; etag?: boolean } | undefined
      const routeResponses = schema?.response as Record<string, unknown> | undefined
      const ownCodes = schema?.operationId ? operationCodes(problemCodes, schema.operationId) : {}
      const commonGroupNames = commonGroupsOf({
        permission,
        responses: routeResponses,
        config,
        querystring: schema?.querystring,
      })
      const declaredResponses = withProblemCodeResponses({ ...common, ...routeResponses }, ownCodes)
      const response = responseHeaders(
        describeProblemCodes(declaredResponses, ownCodes, commonCodes(problemCodes, commonGroupNames)),
        {
          rateLimited: !url.startsWith('/health/'),
          idempotent: Boolean(config?.idempotent),
          location: Boolean(config?.location),
          etag: Boolean(config?.etag),
        },
        (id) => app.getSchema(id),
      )
      const ifMatch = ifMatchRule(routeResponses, config)
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
      const byCase = route.config?.permissionByCase
      const permissionLines = byCase ? `${needs} ${describePermissionByCase(byCase)}` : needs
      const description = schema?.description ? `${schema.description}\n\n${permissionLines}` : permissionLines
      return {
        url,
        schema: {
          ...schema,
          ...(headers ? { headers } : {}),
          description,
          response,
          security: permission === 'public' ? [] : tokenRequired,
          'x-permission': permission,
          ...(byCase ? { 'x-permission-by-case': byCase } : {}),
          'x-problem-codes': ownCodes,
          'x-common-problem-codes': commonGroupNames,
        },
      }
    },
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, index) =>
        typeof json.$id === 'string' ? json.$id : `def-${index}`,
    },
    transformObject: (documentObject) => ({
      ...withExamples('openapiObject' in documentObject ? documentObject.openapiObject : documentObject.swaggerObject),
      'x-common-problem-codes': commonProblemCodes(problemCodes),
    }),
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
        // Try it out is open from the start. The sign-in is not persisted: a token to children's records, and the
        // refresh token with it, would otherwise stay in the browser's local storage after the tab is closed.
        // No top bar: its logo carries an inline style the policy refuses, and its address box is of no use here.
        // Tags start closed: with every tag open, the page stops rendering operations once the contract holds
        // about 140 of them (seen at 164: only the first 7 showed, in Chromium, with no error).
        uiConfig: {
          layout: 'BaseLayout',
          docExpansion: 'none',
          deepLinking: true,
          defaultModelsExpandDepth: 0,
          tryItOutEnabled: true,
          persistAuthorization: false,
        },
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
