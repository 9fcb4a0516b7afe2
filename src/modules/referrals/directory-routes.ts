import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'
import { requiredVersion, sendWithEtag } from '../../platform/concurrency.js'
import { problemResponses, ref } from '../../platform/schemas.js'
import { toCreatedClient } from '../users/service.js'
import { CreatedClientSchema } from '../users/schemas.js'
import { changeProvider, createProvider, createProviderClient, providerPage, readProvider } from './directory.js'
import {
  CreateProviderBody,
  CreateProviderClientBody,
  ListProvidersQuery,
  ProviderPageSchema,
  ProviderParams,
  ProviderSchema,
  UpdateProviderBody,
} from './schemas.js'
import { toProvider } from './views.js'

export default async function directoryRoutes(app: FastifyInstance) {
  const route = app.withTypeProvider<TypeBoxTypeProvider>()

  route.get(
    '/v1/providers',
    {
      config: { permission: 'reference:read' },
      schema: {
        operationId: 'listProviders',
        tags: ['reference'],
        summary: 'The service directory: providers a case can be referred to, by name',
        description:
          '`ward` keeps the providers serving that ward (serving it or a unit above it); `service` those offering that service.',
        querystring: ListProvidersQuery,
        response: { 200: ref(ProviderPageSchema, 'A page of providers'), ...problemResponses(400, 401, 403) },
      },
    },
    async (request) => providerPage(request, request.query),
  )

  route.post(
    '/v1/providers',
    {
      config: { permission: 'catalogues:manage', location: true, idempotent: true },
      schema: {
        operationId: 'createProvider',
        tags: ['reference'],
        summary: 'Add a provider to the service directory',
        body: CreateProviderBody,
        response: {
          201: ref(ProviderSchema, 'The provider'),
          ...problemResponses(400, 401, 403, 409, 422),
        },
      },
    },
    async (request, reply) => {
      const row = await createProvider(request, request.body)
      reply.code(201).header('location', `/v1/providers/${row.id}`)
      return sendWithEtag(reply, row.version, toProvider(row))
    },
  )

  route.get(
    '/v1/providers/:id',
    {
      config: { permission: 'reference:read' },
      schema: {
        operationId: 'getProvider',
        tags: ['reference'],
        summary: 'A provider of the service directory',
        params: ProviderParams,
        response: { 200: ref(ProviderSchema, 'The provider'), ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const row = await readProvider(app.database.db, request.params.id)
      return sendWithEtag(reply, row.version, toProvider(row))
    },
  )

  route.patch(
    '/v1/providers/:id',
    {
      config: { permission: 'catalogues:manage' },
      schema: {
        operationId: 'updateProvider',
        tags: ['reference'],
        summary: 'Correct a provider, or deactivate it (If-Match required)',
        description: 'A provider is never deleted (referrals name it): `active: false` stops new referrals to it.',
        params: ProviderParams,
        body: UpdateProviderBody,
        response: {
          200: ref(ProviderSchema, 'The provider'),
          ...problemResponses(400, 401, 403, 404, 412, 422, 428),
        },
      },
    },
    async (request, reply) => {
      const expectedVersion = requiredVersion(request)
      const row = await changeProvider(request, request.params.id, request.body, expectedVersion)
      return sendWithEtag(reply, row.version, toProvider(row))
    },
  )

  route.post(
    '/v1/providers/:id/clients',
    {
      config: {
        etag: true,
        location: true,
        permission: 'clients:manage',
        idempotent: { replayBody: (client) => ({ client, clientSecret: null }) },
      },
      schema: {
        operationId: 'createProviderClient',
        tags: ['reference'],
        summary: 'Register the machine client a provider organisation acts through; the secret is shown once',
        description:
          'The client has the `service_provider` role and no unit: it reads the referrals addressed to this provider ' +
          '(GET /v1/provider/referrals) and answers them, and nothing else — no case, child or other provider’s referral.',
        params: ProviderParams,
        body: CreateProviderClientBody,
        response: {
          201: ref(CreatedClientSchema, 'The client and its secret'),
          ...problemResponses(400, 401, 403, 404),
        },
      },
    },
    async (request, reply) => {
      const { row, secret } = await createProviderClient(request, request.params.id, request.body)
      reply.code(201).header('location', `/v1/clients/${row.id}`).header('cache-control', 'no-store')
      return sendWithEtag(reply, row.version, toCreatedClient(row, secret))
    },
  )
}
