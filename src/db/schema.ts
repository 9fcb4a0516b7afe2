// Every table, for drizzle-kit and for the typed client. Modules own their tables.
export * from './meta-tables.js'
export * from '../platform/idempotency-tables.js'
export * from '../modules/units/tables.js'
export * from '../modules/calendar/tables.js'
export * from '../modules/households/tables.js'
export * from '../modules/children/tables.js'
export * from '../modules/users/tables.js'
export * from '../modules/audit/tables.js'
