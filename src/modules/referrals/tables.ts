import { sql } from 'drizzle-orm'
import { boolean, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core'
import { incidentChildren, incidents } from '../incidents/tables.js'
import { clients } from '../users/tables.js'
import { declineReasons, providerKinds, referralStates, urgencies, type ConsentInput } from './rules.js'

/** An organisation a case can be referred to, the units it serves and the services it offers (rules.ts codes). */
export const serviceProviders = pgTable(
  'service_providers',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    code: text('code').notNull(),
    name: text('name').notNull(),
    kind: text('kind', { enum: providerKinds }).notNull(),
    phone: text('phone'),
    email: text('email'),
    address: text('address'),
    units: text('units').array().notNull(),
    services: text('services').array().notNull(),
    active: boolean('active').notNull().default(true),
    version: integer('version').notNull().default(1),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    createdBy: text('created_by'),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
    updatedBy: text('updated_by'),
  },
  (t) => [uniqueIndex('service_providers_code_key').on(t.code)],
)

/** The machine client a provider organisation acts through, bound to it for the client's life. */
export const providerClients = pgTable(
  'provider_clients',
  {
    clientId: uuid('client_id')
      .primaryKey()
      .references(() => clients.id),
    providerId: uuid('provider_id')
      .notNull()
      .references(() => serviceProviders.id),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    createdBy: text('created_by'),
  },
  (t) => [index('provider_clients_provider_idx').on(t.providerId)],
)

/**
 * A referral from a case to a provider. It carries the case's place (row-level security reads it, a
 * re-homing moves it) and the child's name and age as the case had them when it was sent: what the
 * provider is told, without access to the case.
 */
export const referrals = pgTable(
  'referrals',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    incidentId: uuid('incident_id')
      .notNull()
      .references(() => incidents.id),
    incidentChildId: uuid('incident_child_id')
      .notNull()
      .references(() => incidentChildren.id),
    provinceCode: text('province_code').notNull(),
    wardCode: text('ward_code').notNull(),
    residentialGroupCode: text('residential_group_code'),
    providerId: uuid('provider_id')
      .notNull()
      .references(() => serviceProviders.id),
    services: text('services').array().notNull(),
    note: text('note'),
    urgency: text('urgency', { enum: urgencies }).notNull(),
    childName: text('child_name'),
    childAgeYears: integer('child_age_years'),
    consent: jsonb('consent').$type<ConsentInput>(),
    emergencyReason: text('emergency_reason'),
    state: text('state', { enum: referralStates }).notNull().default('sent'),
    sentAt: timestamp('sent_at', { withTimezone: true }).notNull(),
    dueAt: timestamp('due_at', { withTimezone: true }).notNull(),
    dueCalendarMissing: boolean('due_calendar_missing').notNull().default(false),
    respondedAt: timestamp('responded_at', { withTimezone: true }),
    respondedBy: text('responded_by'),
    declineReason: text('decline_reason', { enum: declineReasons }),
    declineNote: text('decline_note'),
    feedback: text('feedback'),
    feedbackAt: timestamp('feedback_at', { withTimezone: true }),
    closedAt: timestamp('closed_at', { withTimezone: true }),
    closureNote: text('closure_note'),
    version: integer('version').notNull().default(1),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    createdBy: text('created_by'),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
    updatedBy: text('updated_by'),
  },
  (t) => [
    index('referrals_incident_idx').on(t.incidentId, t.sentAt),
    index('referrals_provider_idx').on(t.providerId, t.sentAt),
    index('referrals_ward_idx').on(t.wardCode, t.sentAt),
    index('referrals_awaiting_due_idx')
      .on(t.dueAt)
      .where(sql`state = 'sent'`),
  ],
)
