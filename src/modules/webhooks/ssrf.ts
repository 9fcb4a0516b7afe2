import { BlockList, isIP, isIPv4 } from 'node:net'

/**
 * The server-side request forgery guard for webhook URLs, as pure checks: the URL's form here, every
 * address its host resolves to in `addressRejection`. Resolution itself (and pinning the connection
 * to the checked address) is in delivery.ts.
 */

export interface UrlPolicy {
  allowHttp: boolean
  /** Host names, IP addresses or CIDR ranges that may be reached although they are not public. */
  allowedHosts: readonly string[]
}

export interface WebhookTarget {
  url: URL
  /** Lower-case host name, or the IP address without brackets. */
  host: string
  port: number
  /** The host is an IP address: nothing to resolve. */
  literal: boolean
}

export interface Rejection {
  /** Stable reason, used as the field error's code. */
  reason: string
  message: string
}

export type UrlCheck = { ok: true; target: WebhookTarget } | ({ ok: false } & Rejection)

const maxUrlLength = 2048

function reject(reason: string, message: string): { ok: false } & Rejection {
  return { ok: false, reason, message }
}

/** The authority exactly as written between `//` and the path. */
function rawAuthority(raw: string): string {
  const afterScheme = raw.slice(raw.indexOf('//') + 2)
  return afterScheme.split(/[/?#\\]/, 1)[0] ?? ''
}

/** The host exactly as written, without user info and port. */
function rawHost(raw: string): string {
  const authority = rawAuthority(raw)
  const host = authority.slice(authority.lastIndexOf('@') + 1)
  if (host.startsWith('[')) return host.slice(0, host.indexOf(']') + 1)
  return host.replace(/:\d*$/, '')
}

export function checkWebhookUrl(raw: string, policy: UrlPolicy): UrlCheck {
  if (raw.length > maxUrlLength) return reject('url_too_long', `must be at most ${maxUrlLength} characters`)
  if (/[\s\u0000-\u001f\u007f]/.test(raw)) return reject('invalid_url', 'must not contain spaces or control characters')
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    return reject('invalid_url', 'is not an absolute URL')
  }
  if (url.protocol === 'http:') {
    if (!policy.allowHttp) return reject('https_required', 'must use https')
  } else if (url.protocol !== 'https:') {
    return reject('unsupported_scheme', `must be an https URL, not ${url.protocol}`)
  }
  if (url.username || url.password || rawAuthority(raw).includes('@')) {
    return reject(
      'credentials_in_url',
      'must not carry a user name or password; the signature authenticates the sender',
    )
  }
  const written = rawHost(raw).toLowerCase()
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname
  // WHATWG URLs read 2130706433, 0x7f.1, 017700000001 or 127.1 as 127.0.0.1: refuse every form but the plain one.
  if (isIPv4(host) && written !== host) {
    return reject(
      'non_canonical_ip',
      'writes an IPv4 address in a decimal, octal, hexadecimal or shortened form; use four decimal numbers',
    )
  }
  const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port)
  if (port === 0) return reject('invalid_port', 'must not use port 0')
  const literal = isIP(host) !== 0
  if (!literal && (host === 'localhost' || host.endsWith('.localhost')) && !hostAllowed(host, policy)) {
    return reject('loopback_address', 'names this machine (localhost)')
  }
  const target: WebhookTarget = { url, host, port, literal }
  if (literal) {
    const rejection = addressRejection(host, host, policy)
    if (rejection) return { ok: false, ...rejection }
  }
  return { ok: true, target }
}

type Family = 'ipv4' | 'ipv6'

function blockList(ranges: readonly string[]): BlockList {
  const list = new BlockList()
  for (const range of ranges) {
    const [address, prefix] = range.split('/') as [string, string | undefined]
    const family: Family = isIPv4(address) ? 'ipv4' : 'ipv6'
    if (prefix === undefined) list.addAddress(address, family)
    else list.addSubnet(address, Number(prefix), family)
  }
  return list
}

/** IPv6 forms that carry an IPv4 address (mapped, compatible, NAT64, 6to4): refused outright, never unwrapped. */
const embeddedIpv4 = blockList(['::ffff:0:0/96', '::/96', '64:ff9b::/96', '64:ff9b:1::/48', '2002::/16'])

/** Checked in order: the first match names the reason (metadata before link-local and private). */
const blockedRanges: { reason: string; label: string; list: BlockList }[] = [
  {
    reason: 'metadata_address',
    label: 'a cloud metadata address',
    list: blockList(['169.254.169.254', 'fd00:ec2::254', '100.100.100.200']),
  },
  { reason: 'loopback_address', label: 'a loopback address', list: blockList(['127.0.0.0/8', '::1']) },
  { reason: 'unspecified_address', label: 'an unspecified address', list: blockList(['0.0.0.0/8', '::']) },
  { reason: 'link_local_address', label: 'a link-local address', list: blockList(['169.254.0.0/16', 'fe80::/10']) },
  {
    reason: 'private_address',
    label: 'a private address',
    list: blockList(['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7']),
  },
  { reason: 'shared_address', label: 'a carrier-grade NAT address', list: blockList(['100.64.0.0/10']) },
  { reason: 'multicast_address', label: 'a multicast address', list: blockList(['224.0.0.0/4', 'ff00::/8']) },
  {
    reason: 'reserved_address',
    label: 'a reserved or documentation address',
    list: blockList([
      '240.0.0.0/4',
      '192.0.0.0/24',
      '192.0.2.0/24',
      '198.18.0.0/15',
      '198.51.100.0/24',
      '203.0.113.0/24',
      '2001:db8::/32',
      '100::/64',
    ]),
  },
]

function hostAllowed(host: string, policy: UrlPolicy): boolean {
  const name = host.toLowerCase().replace(/\.$/, '')
  return policy.allowedHosts.some(
    (entry) => !entry.includes('/') && isIP(entry) === 0 && entry.toLowerCase().replace(/\.$/, '') === name,
  )
}

function addressAllowed(address: string, family: Family, policy: UrlPolicy): boolean {
  const entries = policy.allowedHosts.filter((entry) => {
    const [ip, prefix] = entry.split('/') as [string, string | undefined]
    return isIP(ip) !== 0 && (prefix === undefined || /^\d{1,3}$/.test(prefix))
  })
  return entries.length > 0 && blockList(entries).check(address, family)
}

/**
 * Why `address` (one that `host` resolved to, or the host itself when it is an IP) must not be
 * reached, or null when it may. The allow-list admits named hosts and listed addresses or ranges;
 * IPv4 embedded in IPv6 is refused even then.
 */
export function addressRejection(address: string, host: string, policy: UrlPolicy): Rejection | null {
  const version = isIP(address)
  if (version === 0) return { reason: 'invalid_address', message: `resolves to ${address}, which is not an IP address` }
  const family: Family = version === 4 ? 'ipv4' : 'ipv6'
  if (family === 'ipv6' && embeddedIpv4.check(address, 'ipv6') && address !== '::' && address !== '::1') {
    return {
      reason: 'ipv4_embedded_address',
      message: `uses ${address}, an IPv6 form of an IPv4 address; use the IPv4 address`,
    }
  }
  if (hostAllowed(host, policy) || addressAllowed(address, family, policy)) return null
  for (const range of blockedRanges) {
    if (range.list.check(address, family)) {
      return {
        reason: range.reason,
        message: `${host === address ? 'is' : `resolves to ${address}, which is`} ${range.label}`,
      }
    }
  }
  return null
}
