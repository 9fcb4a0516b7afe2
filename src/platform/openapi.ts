import { readFileSync } from 'node:fs'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { problemResponses } from './schemas.js'

const packageJson = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string
  description: string
}

export const apiTags = [
  { name: 'health', description: 'Liveness and readiness probes' },
  { name: 'units', description: 'Administrative units, effective-dated (wards, district, residential groups)' },
  { name: 'reference', description: 'Catalogues: special-circumstance groups and other reference data' },
  { name: 'calendar', description: 'Public holidays and working-day deadlines' },
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
    },
    // Responses every operation can give, documented once here rather than on each route.
    transform: ({ schema, url, route }) => {
      const permission = (route.config as { permission?: string } | undefined)?.permission ?? 'public'
      const common = url.startsWith('/health/') ? problemResponses(500) : problemResponses(429, 500, 503)
      const response = { ...common, ...((schema?.response as Record<string, unknown> | undefined) ?? {}) }
      return {
        url,
        schema: {
          ...schema,
          response,
          security: permission === 'public' ? [] : [{ bearerAuth: [] }],
          'x-permission': permission,
        },
      }
    },
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, index) => (typeof json.$id === 'string' ? json.$id : `def-${index}`),
    },
  })
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger())
  if (app.config.http.docsEnabled) {
    await app.register(swaggerUi, {
      routePrefix: '/docs',
      staticCSP: true,
      uiConfig: { deepLinking: true, defaultModelsExpandDepth: 0 },
    })
  }
}

export default fp(openapiPlugin, { name: 'platform-openapi', fastify: '5.x' })
