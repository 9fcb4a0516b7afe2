import { sql } from 'drizzle-orm'
import { boolean, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core'

/** Roles are data: each holds the permissions that routes declare (see src/reference/roles.json). */
export const roles = pgTable('roles', {
  code: text('code').primaryKey(),
  nameVi: text('name_vi').notNull(),
  nameEn: text('name_en').notNull(),
  kind: text('kind', { enum: ['person', 'machine'] }).notNull(),
  permissions: text('permissions').array().notNull(),
  /** Extra permissions an administrator may grant to one account of this role. */
  grantable: text('grantable').array().notNull(),
})

export const users = pgTable(
  'users',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    username: text('username').notNull(),
    displayName: text('display_name').notNull(),
    role: text('role')
      .notNull()
      .references(() => roles.code),
    units: text('units').array().notNull(),
    /** Permissions granted to this account beyond its role, from the role's `grantable` list. */
    grants: text('grants')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    active: boolean('active').notNull().default(true),
    passwordHash: text('password_hash'),
    /** Subject of this person at a trusted external identity provider, when they sign in there. */
    externalSubject: text('external_subject'),
    version: integer('version').notNull().default(1),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
    createdBy: text('created_by'),
  },
  (t) => [
    uniqueIndex('users_username_key').on(sql`lower(${t.username})`),
    uniqueIndex('users_external_subject_key').on(t.externalSubject),
    index('users_role_idx').on(t.role),
  ],
)

/** Machine clients (city systems, partner integrations) using client_credentials. */
export const clients = pgTable('clients', {
  id: uuid('id').primaryKey().defaultRandom(),
  name: text('name').notNull(),
  role: text('role')
    .notNull()
    .references(() => roles.code),
  units: text('units').array().notNull(),
  secretHash: text('secret_hash').notNull(),
  active: boolean('active').notNull().default(true),
  version: integer('version').notNull().default(1),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  revokedAt: timestamp('revoked_at', { withTimezone: true }),
  createdBy: text('created_by'),
})

/**
 * Sign-in throttling per key (`user:<name>` for the account, `user:<name>@<address>` for the account from
 * one client address; `client:<id>` likewise): attempts since the key's last success, each counted
 * before its secret is checked, and when the last was made (users/rules.ts, throttleDelayMs).
 */
export const loginAttempts = pgTable('login_attempts', {
  key: text('key').primaryKey(),
  failures: integer('failures').notNull().default(0),
  lastFailureAt: timestamp('last_failure_at', { withTimezone: true }).notNull(),
})

/**
 * Token signing keys. The newest unretired key signs; every key whose tokens may still be valid is
 * published in the JWKS, so rotation never invalidates a token before it expires.
 */
export const signingKeys = pgTable('signing_keys', {
  kid: text('kid').primaryKey(),
  algorithm: text('algorithm').notNull(),
  publicJwk: jsonb('public_jwk').notNull(),
  privateJwk: jsonb('private_jwk'),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  retiredAt: timestamp('retired_at', { withTimezone: true }),
})

/**
 * A person's sign-in session (migration 0034): opened by a password sign-in, kept alive by exchanging its
 * refresh token, ended by logout, revocation, a password change, or a refresh token used twice.
 */
export const signInSessions = pgTable('sign_in_sessions', {
  id: uuid('id').primaryKey(),
  userId: uuid('user_id')
    .notNull()
    .references(() => users.id),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  refreshedAt: timestamp('refreshed_at', { withTimezone: true }).notNull(),
  /** The latest refresh token expires then, unless exchanged before: a session unused for that long ends. */
  idleExpiresAt: timestamp('idle_expires_at', { withTimezone: true }).notNull(),
  /** However often it is refreshed, a session ends then: a new sign-in is needed. */
  expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  revokedAt: timestamp('revoked_at', { withTimezone: true }),
  revokedReason: text('revoked_reason', {
    enum: ['logout', 'revoked', 'reuse', 'password_changed', 'password_reset', 'deactivated'],
  }),
})

/** Every refresh token a session was given, by its SHA-256 hash; `exchangedAt` once it was used. */
export const sessionRefreshTokens = pgTable(
  'session_refresh_tokens',
  {
    tokenHash: text('token_hash').primaryKey(),
    sessionId: uuid('session_id')
      .notNull()
      .references(() => signInSessions.id, { onDelete: 'cascade' }),
    issuedAt: timestamp('issued_at', { withTimezone: true }).notNull(),
    exchangedAt: timestamp('exchanged_at', { withTimezone: true }),
  },
  (t) => [index('session_refresh_tokens_session_idx').on(t.sessionId)],
)
