/**
 * Every permission a route can require. Roles (reference data) grant subsets of these; a route declares
 * exactly one in `config.permission`, or `public` on purpose (probes, token, JWKS, the contract).
 */
const permissions = {
  'reference:read': 'read catalogues: units, special-circumstance groups, calendar, criteria and indicator definitions',
  'units:manage': 'add residential groups and correct administrative units',
  'users:manage': 'create, change and deactivate user accounts',
  'clients:manage': 'register and revoke machine clients',
  'registry:read': "read children's and households' records in the caller's units",
  'registry:write': 'create and change children and households',
  'registry:sensitive':
    'see and record sensitive personal data (Decree 13/2023, Personal Data Protection Law 2025): ethnicity, health and disability, HIV, law violation, drug use, violence and abuse groups, health details',
  'registry:statutory':
    "process children's records under the authorities' own child-protection duty (Law on Children 2016): without it, a record is read only when the guardian, and the child from 7, consented to information sharing",
  'registry:export': 'export registry lists as CSV or XLSX',
  'registry:merge': 'merge duplicate child records',
  'incidents:read': 'read incidents in the caller’s units (without narratives and identities)',
  'incidents:write': 'record incidents, written reports and case steps',
  'incidents:sensitive': 'see incident narratives, perpetrator relations and child identities',
  'incidents:intake':
    'for the hotline: record the reports it receives as incidents of the ward their address is in, and read back where each went',
  'referrals:respond':
    'for a provider organisation’s client: read the referrals addressed to its provider and answer them (accept, decline, feedback)',
  'plans:approve': 'approve support and intervention plans',
  'assessments:read': 'read child-friendly ward assessments',
  'assessments:write': 'score and submit a ward’s own assessment',
  'assessments:appraise': 'appraise and decide ward assessments at district level',
  'assessments:extraordinary': 'open a ward assessment outside the criteria set’s assessment years, with its reason',
  'indicators:read': 'read indicator values and aggregates',
  'reports:read': 'read periodic reports',
  'reports:write': 'create and submit a ward’s periodic reports',
  'reports:review': 'approve, return and consolidate ward reports',
  'catalogues:manage':
    'publish criteria sets, indicator definitions, targets, calendars and the case-step deadlines, and map indicators to DHIS2',
  'imports:run': 'bulk-import registry files',
  'events:read': 'read the event feed',
  'webhooks:manage': 'manage webhook subscriptions',
  'audit:read': 'read and verify the audit log',
} as const

export type Permission = keyof typeof permissions
export type RoutePermission = Permission | 'public' | 'authenticated'

export const permissionNames = Object.keys(permissions) as Permission[]

export function isPermission(value: string): value is Permission {
  return Object.hasOwn(permissions, value)
}

/**
 * The permission an operation needs beyond its route's own, decided per request by what the request is
 * about (the step recorded, the report's unit level). The route declares the table, its handler enforces
 * it through `permissionFor` and the contract prints it from the same object, so the description cannot
 * say one thing while the service checks another.
 */
export interface PermissionByCase<Case extends string> {
  /** What decides, as the contract names it: "the step recorded". */
  decidedBy: string
  byCase: Readonly<Record<Case, Permission>>
}

export function permissionFor<Case extends string>(rule: PermissionByCase<Case>, which: Case): Permission {
  return rule.byCase[which]
}

/** The table as a sentence, cases grouped by permission: "… `reports:write` (ward); `reports:review` (district, …)." */
export function describePermissionByCase(rule: PermissionByCase<string>): string {
  const cases = new Map<Permission, string[]>()
  for (const [name, permission] of Object.entries<Permission>(rule.byCase))
    cases.set(permission, [...(cases.get(permission) ?? []), name])
  const parts = [...cases].map(([permission, names]) => `\`${permission}\` (${names.join(', ')})`)
  return `Further, by ${rule.decidedBy}: ${parts.join('; ')}.`
}
