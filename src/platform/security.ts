import cors from '@fastify/cors'
import rateLimit from '@fastify/rate-limit'
import underPressure from '@fastify/under-pressure'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import helmet from 'helmet'
import { HttpProblem } from './problem.js'

/** HTTP hardening: security headers, CORS allow-list, rate limiting and load shedding. */
async function securityPlugin(app: FastifyInstance) {
  const { http } = app.config
  // The set suited to a JSON API (OWASP REST Security): nothing may render, frame or sniff a response,
  // and no cache keeps one. The browser-page headers helmet adds by default (script and style sources,
  // DNS prefetch, IE download options, Flash policies, the retired XSS auditor) have nothing to act on
  // here. Built once, not through the Fastify wrapper, which rebuilt the policy on every request.
  const securityHeaders = helmet({
    // The interactive docs under /docs set their own policy (see openapi.ts).
    contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
    crossOriginResourcePolicy: { policy: 'same-site' },
    crossOriginOpenerPolicy: false,
    originAgentCluster: false,
    xDnsPrefetchControl: false,
    xDownloadOptions: false,
    xPermittedCrossDomainPolicies: false,
    xXssProtection: false,
    xFrameOptions: { action: 'deny' },
    hsts: app.config.env === 'production' ? { maxAge: 31_536_000, includeSubDomains: true } : false,
  })
  app.addHook('onRequest', (request, reply, done) => {
    // Personal data must not outlive the response in a browser or proxy cache; a route that may be
    // cached (the JWKS) sets its own header, which takes precedence over this one.
    reply.raw.setHeader('cache-control', 'no-store')
    securityHeaders(request.raw, reply.raw, (error) => done(error instanceof Error ? error : undefined))
  })
  await app.register(cors, {
    origin: http.corsOrigins.length > 0 ? http.corsOrigins : false,
    methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: ['authorization', 'content-type', 'if-match', 'idempotency-key', 'x-request-id'],
    exposedHeaders: [
      'etag',
      'location',
      'x-request-id',
      'retry-after',
      'idempotent-replayed',
      'ratelimit-limit',
      'ratelimit-remaining',
      'ratelimit-reset',
    ],
    maxAge: 600,
  })
  await app.register(rateLimit, {
    max: http.rateLimitMax,
    timeWindow: http.rateLimitWindowMs,
    // The IETF RateLimit header names (ratelimit-limit, ratelimit-remaining, ratelimit-reset), the ones
    // CORS exposes above, instead of the plugin's default x-ratelimit-*.
    enableDraftSpec: true,
    // Probes from the orchestrator must never be throttled.
    allowList: (request) => request.url.startsWith('/health/'),
    errorResponseBuilder: (_request, context) =>
      new HttpProblem(429, 'rate_limited', `Too many requests; retry after ${Math.ceil(context.ttl / 1000)} s.`, {
        headers: { 'retry-after': String(Math.ceil(context.ttl / 1000)) },
      }),
  })
  // The embedded database runs its queries on this event loop, so there a long query is not overload.
  if (http.maxEventLoopDelayMs > 0 && app.database.kind === 'postgres') {
    await app.register(underPressure, {
      maxEventLoopDelay: http.maxEventLoopDelayMs,
      retryAfter: 5,
      exposeStatusRoute: false,
    })
  }
}

export default fp(securityPlugin, { name: 'platform-security', fastify: '5.x', dependencies: ['platform-errors'] })
