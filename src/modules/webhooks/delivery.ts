import { lookup as dnsLookup } from 'node:dns/promises'
import http from 'node:http'
import https from 'node:https'
import type { LookupFunction } from 'node:net'
import { performance } from 'node:perf_hooks'
import { addressRejection, type Rejection, type UrlPolicy, type WebhookTarget } from './ssrf.js'

export type Resolver = (host: string) => Promise<{ address: string; family: number }[]>

const systemResolver: Resolver = (host) => dnsLookup(host, { all: true, verbatim: true })

export type Resolution = { ok: true; address: string; family: 4 | 6 } | ({ ok: false } & Rejection)

/**
 * Resolves the host and checks every address it has (one private address among public ones is enough
 * to refuse: the resolver may hand out either). Called at registration and again before every attempt,
 * so a name re-pointed at an internal address after registration (DNS rebinding) is caught.
 */
export async function resolveTarget(
  target: WebhookTarget,
  policy: UrlPolicy,
  resolver: Resolver = systemResolver,
): Promise<Resolution> {
  if (target.literal) {
    const rejection = addressRejection(target.host, target.host, policy)
    return rejection
      ? { ok: false, ...rejection }
      : { ok: true, address: target.host, family: target.host.includes(':') ? 6 : 4 }
  }
  let addresses: { address: string; family: number }[]
  try {
    addresses = await resolver(target.host)
  } catch {
    return { ok: false, reason: 'unresolvable_host', message: `${target.host} does not resolve` }
  }
  if (addresses.length === 0)
    return { ok: false, reason: 'unresolvable_host', message: `${target.host} does not resolve` }
  for (const { address } of addresses) {
    const rejection = addressRejection(address, target.host, policy)
    if (rejection) return { ok: false, ...rejection }
  }
  const [first] = addresses
  return { ok: true, address: first!.address, family: first!.family === 6 ? 6 : 4 }
}

export interface PostOutcome {
  /** The receiver's HTTP status, or null when no response came. */
  status: number | null
  latencyMs: number
  /** Why the attempt failed, in words safe to show an administrator (never the receiver's body). */
  error: string | null
}

/** Bodies are discarded; reading a little keeps the connection orderly without trusting the receiver's size. */
const maxResponseBytes = 64 * 1024

/**
 * POSTs the body to the checked address only: the connection's lookup is pinned to it (TLS still
 * verifies the certificate against the host name), redirects are answered as failures, never followed,
 * and the whole exchange (connect, then response) must finish within `timeoutMs`.
 */
export function postJson(
  target: WebhookTarget,
  pinned: { address: string; family: 4 | 6 },
  headers: Record<string, string>,
  body: string,
  timeoutMs: number,
): Promise<PostOutcome> {
  const started = performance.now()
  const elapsed = () => Math.round(performance.now() - started)
  const lookup: LookupFunction = (_host, options, callback) => {
    if ((options as { all?: boolean }).all)
      (callback as (error: null, addresses: { address: string; family: number }[]) => void)(null, [pinned])
    else callback(null, pinned.address, pinned.family)
  }
  const client = target.url.protocol === 'https:' ? https : http
  return new Promise((resolve) => {
    let settled = false
    let connected = false
    const finish = (outcome: Omit<PostOutcome, 'latencyMs'>) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      resolve({ ...outcome, latencyMs: elapsed() })
    }
    const request = client.request({
      method: 'POST',
      protocol: target.url.protocol,
      hostname: target.host,
      port: target.port,
      path: `${target.url.pathname}${target.url.search}`,
      headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
      lookup,
      agent: false,
      ...(target.literal ? {} : { servername: target.host }),
    })
    const timer = setTimeout(() => {
      finish({
        status: null,
        error: connected ? `no response within ${timeoutMs} ms` : `could not connect within ${timeoutMs} ms`,
      })
      request.destroy()
    }, timeoutMs)
    request.on('socket', (socket) => {
      socket.once(target.url.protocol === 'https:' ? 'secureConnect' : 'connect', () => (connected = true))
    })
    request.on('response', (response) => {
      const status = response.statusCode ?? 0
      let received = 0
      response.on('data', (chunk: Buffer) => {
        received += chunk.length
        if (received > maxResponseBytes) response.destroy()
      })
      const done = () => {
        if (status >= 200 && status < 300) finish({ status, error: null })
        else if (status >= 300 && status < 400) finish({ status, error: `redirect (${status}) not followed` })
        else finish({ status, error: `receiver answered ${status}` })
      }
      response.on('end', done)
      response.on('close', done)
      response.on('error', done)
    })
    request.on('error', (error: NodeJS.ErrnoException) => finish({ status: null, error: connectionError(error) }))
    request.end(body)
  })
}

function connectionError(error: NodeJS.ErrnoException): string {
  switch (error.code) {
    case 'ECONNREFUSED':
      return 'connection refused'
    case 'ECONNRESET':
      return 'connection reset'
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'receiver unreachable'
    case 'CERT_HAS_EXPIRED':
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return `TLS certificate rejected (${error.code})`
    default:
      return error.code ? `connection failed (${error.code})` : 'connection failed'
  }
}
