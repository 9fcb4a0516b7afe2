import type { TestApp } from './app.js'
import type { TestAccount } from './auth.js'

/** Registers a child through the API and returns the response body (fails the caller's test on error). */
export async function registerChild(
  { app }: TestApp,
  account: TestAccount,
  child: Record<string, unknown> & {
    address: { wardCode: string; residentialGroupCode?: string; streetAddress?: string }
  },
) {
  const response = await app.inject({
    method: 'POST',
    url: '/v1/children',
    headers: account.headers,
    payload: { sex: 'female', dateOfBirth: '2018-05-10', ...child },
  })
  if (response.statusCode !== 201)
    throw new Error(`registering a child failed: ${response.statusCode} ${response.body}`)
  return response.json<{ id: string; version: number; address: { wardCode: string }; [key: string]: unknown }>()
}

/** Adds a residential group under a ward through the API, as `admin` (a district administrator); returns the response. */
export function addResidentialGroup(
  { app }: TestApp,
  admin: TestAccount,
  group: { code: string; nameVi: string; parentCode: string; validFrom?: string; validTo?: string },
) {
  return app.inject({
    method: 'POST',
    url: '/v1/units',
    headers: admin.headers,
    payload: { level: 'residential_group', validFrom: '2020-01-01', ...group },
  })
}

/** A valid report of an incident (sexual abuse, by phone, of one registered child) for POST /v1/incidents; `overrides` win. */
export function incidentReport(child: { id: string; wardCode: string }, overrides: Record<string, unknown> = {}) {
  return {
    kind: 'sexual_abuse',
    occurredAt: '2024-06-15T08:00:00+07:00',
    occurredAtPrecision: 'exact',
    detectedAt: '2024-06-15T08:30:00+07:00',
    channel: 'phone',
    address: { wardCode: child.wardCode },
    children: [{ childId: child.id }],
    ...overrides,
  }
}

/**
 * Records an incident of `child` as `account` on `day` (Hanoi): the clock set to 10:00 that day, the incident
 * at 08:00, detected at 08:30; `overrides` win. Returns the created incident (fails the caller's test on error).
 */
export async function recordIncidentOn(
  { app, clock }: TestApp,
  account: TestAccount,
  child: { id: string; wardCode: string },
  day: string,
  overrides: Record<string, unknown> = {},
) {
  clock.set(`${day}T10:00:00+07:00`)
  const response = await app.inject({
    method: 'POST',
    url: '/v1/incidents',
    headers: account.headers,
    payload: incidentReport(child, {
      occurredAt: `${day}T08:00:00+07:00`,
      detectedAt: `${day}T08:30:00+07:00`,
      ...overrides,
    }),
  })
  if (response.statusCode !== 201) throw new Error(`recording the incident failed: ${response.statusCode}`)
  return response.json<{ id: string; writtenReport: { required: boolean }; [key: string]: unknown }>()
}
