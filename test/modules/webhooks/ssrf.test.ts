import t from 'tap'
import { resolveTarget, type Resolver } from '../../../src/modules/webhooks/delivery.js'
import { newWebhookSecret, openWebhookSecret, sealWebhookSecret } from '../../../src/modules/webhooks/secrets.js'
import { unseal } from '../../../src/platform/sealing.js'
import { addressRejection, checkWebhookUrl, type UrlPolicy } from '../../../src/modules/webhooks/ssrf.js'

const strict: UrlPolicy = { allowHttp: false, allowedHosts: [] }
const local: UrlPolicy = { allowHttp: true, allowedHosts: ['127.0.0.1', 'receiver.internal', '10.20.0.0/16'] }

t.test('URL forms', async (t) => {
  const cases: [string, UrlPolicy, string][] = [
    ['https://hooks.example.org/cps', strict, 'ok'],
    ['https://hooks.example.org:8443/cps?token=abc', strict, 'ok'],
    ['https://93.184.215.14/hook', strict, 'ok'],
    ['http://hooks.example.org/cps', strict, 'https_required'],
    ['http://hooks.example.org/cps', local, 'ok'],
    ['file:///etc/passwd', local, 'unsupported_scheme'],
    ['ftp://hooks.example.org/', local, 'unsupported_scheme'],
    ['gopher://127.0.0.1:6379/_', local, 'unsupported_scheme'],
    ['javascript:alert(1)', local, 'unsupported_scheme'],
    ['hooks.example.org/cps', strict, 'invalid_url'],
    ['https://hooks.example.org/a b', strict, 'invalid_url'],
    ['https://user:secret@hooks.example.org/', strict, 'credentials_in_url'],
    ['https://@hooks.example.org/', strict, 'credentials_in_url'],
    ['https://127.0.0.1/', strict, 'loopback_address'],
    ['https://127.8.9.10/', strict, 'loopback_address'],
    ['https://[::1]/', strict, 'loopback_address'],
    ['https://localhost/', strict, 'loopback_address'],
    ['https://api.localhost/', strict, 'loopback_address'],
    ['https://169.254.169.254/latest/meta-data/', strict, 'metadata_address'],
    ['https://[fd00:ec2::254]/', strict, 'metadata_address'],
    ['https://169.254.10.1/', strict, 'link_local_address'],
    ['https://[fe80::1]/', strict, 'link_local_address'],
    ['https://10.0.0.5/', strict, 'private_address'],
    ['https://172.16.3.4/', strict, 'private_address'],
    ['https://172.31.255.255/', strict, 'private_address'],
    ['https://172.32.0.1/', strict, 'ok'],
    ['https://192.168.1.1/', strict, 'private_address'],
    ['https://[fc00::1]/', strict, 'private_address'],
    ['https://100.64.0.1/', strict, 'shared_address'],
    ['https://224.0.0.1/', strict, 'multicast_address'],
    ['https://[ff02::1]/', strict, 'multicast_address'],
    ['https://0.0.0.0/', strict, 'unspecified_address'],
    ['https://[::]/', strict, 'unspecified_address'],
    ['https://255.255.255.255/', strict, 'reserved_address'],
    ['http://2130706433/', local, 'non_canonical_ip'],
    ['http://0x7f.1/', local, 'non_canonical_ip'],
    ['http://0x7f000001/', local, 'non_canonical_ip'],
    ['http://017700000001/', local, 'non_canonical_ip'],
    ['http://127.1/', local, 'non_canonical_ip'],
    ['http://0177.0.0.1/', local, 'non_canonical_ip'],
    ['http://127.0.0.1./', local, 'non_canonical_ip'],
    ['http://１２７.0.0.1/', local, 'non_canonical_ip'],
    ['https://1572395042/', strict, 'non_canonical_ip'],
    ['http://[::ffff:127.0.0.1]/', local, 'ipv4_embedded_address'],
    ['https://[::ffff:93.184.215.14]/', strict, 'ipv4_embedded_address'],
    ['https://[64:ff9b::7f00:1]/', strict, 'ipv4_embedded_address'],
    ['https://[2002:7f00:1::]/', strict, 'ipv4_embedded_address'],
    ['http://127.0.0.1:4000/hook', local, 'ok'],
    ['https://10.20.3.4/', local, 'ok'],
    ['https://10.21.3.4/', local, 'private_address'],
    ['https://127.0.0.1:0/', local, 'invalid_port'],
    [`https://hooks.example.org/${'a'.repeat(2100)}`, strict, 'url_too_long'],
  ]
  for (const [url, policy, expected] of cases) {
    const checked = checkWebhookUrl(url, policy)
    t.equal(checked.ok ? 'ok' : checked.reason, expected, url)
  }
})

t.test('addresses a host resolves to', async (t) => {
  const cases: [string, string, UrlPolicy, string | null][] = [
    ['93.184.215.14', 'hooks.example.org', strict, null],
    ['2606:2800:21f:cb07:6820:80da:af6b:8b2c', 'hooks.example.org', strict, null],
    ['10.1.2.3', 'hooks.example.org', strict, 'private_address'],
    ['10.1.2.3', 'receiver.internal', local, null],
    ['10.20.9.9', 'other.internal', local, null],
    ['169.254.169.254', 'metadata.google.internal', strict, 'metadata_address'],
    ['::ffff:10.0.0.1', 'receiver.internal', local, 'ipv4_embedded_address'],
    ['not-an-ip', 'hooks.example.org', strict, 'invalid_address'],
  ]
  for (const [address, host, policy, expected] of cases)
    t.equal(addressRejection(address, host, policy)?.reason ?? null, expected, `${host} → ${address}`)
})

t.test('resolution checks every address, and catches a name re-pointed inside (DNS rebinding)', async (t) => {
  const answers = new Map<string, { address: string; family: number }[]>([
    ['public.example.org', [{ address: '93.184.215.14', family: 4 }]],
    [
      'mixed.example.org',
      [
        { address: '93.184.215.14', family: 4 },
        { address: '192.168.0.10', family: 4 },
      ],
    ],
    ['v6.example.org', [{ address: '2606:2800:21f:cb07:6820:80da:af6b:8b2c', family: 6 }]],
  ])
  const resolver: Resolver = async (host) => {
    const found = answers.get(host)
    if (!found) throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' })
    return found
  }
  const target = (url: string) => {
    const checked = checkWebhookUrl(url, strict)
    if (!checked.ok) throw new Error(checked.message)
    return checked.target
  }
  t.match(await resolveTarget(target('https://public.example.org/'), strict, resolver), {
    ok: true,
    address: '93.184.215.14',
    family: 4,
  })
  t.match(await resolveTarget(target('https://v6.example.org/'), strict, resolver), { ok: true, family: 6 })
  t.match(
    await resolveTarget(target('https://mixed.example.org/'), strict, resolver),
    { ok: false, reason: 'private_address' },
    'one private address among public ones',
  )
  t.match(await resolveTarget(target('https://missing.example.org/'), strict, resolver), {
    ok: false,
    reason: 'unresolvable_host',
  })
  answers.set('public.example.org', [{ address: '127.0.0.1', family: 4 }])
  t.match(
    await resolveTarget(target('https://public.example.org/'), strict, resolver),
    { ok: false, reason: 'loopback_address' },
    'resolved again: now refused',
  )
})

t.test('secrets are sealed at rest, bound to their row and purpose', async (t) => {
  const secret = newWebhookSecret()
  t.match(
    secret,
    /^whsec_[A-Za-z0-9+/]{43}=$/,
    'whsec_ and 32 bytes in base64, as Standard Webhooks verifiers decode it',
  )
  const id = 'b5a3c2f0-0000-4000-8000-000000000001'
  const key = 'a key of at least thirty-two characters'
  const sealed = sealWebhookSecret(key, secret, id)
  t.notMatch(sealed, secret)
  t.equal(openWebhookSecret(key, sealed, id), secret)
  t.throws(() => openWebhookSecret('another key entirely, also long enough', sealed, id), /cannot be opened/)
  t.throws(
    () => openWebhookSecret(key, sealed, 'b5a3c2f0-0000-4000-8000-000000000002'),
    /cannot be opened/,
    'bound to its row',
  )
  t.throws(() => unseal(key, 'signing-key', sealed, id), /cannot be opened/, 'bound to its purpose')
  t.throws(() => openWebhookSecret(key, `plain:${secret}`, id), /not sealed/, 'nothing is read in clear')
})
