import { customType } from 'drizzle-orm/pg-core'

/** PostgreSQL's `datemultirange`, read and written as its text form ('{[2024-01-01,2025-01-01)}'). */
export const dateMultirange = customType<{ data: string; driverData: string }>({
  dataType: () => 'datemultirange',
})
