export {
  createCpsClient,
  unwrap,
  type CpsApi,
  type CpsClient,
  type CpsClientOptions,
  type Data,
  type IdempotentPath,
  type PagedPath,
  type Versioned,
  type VersionedPath,
} from './client.js'
export { ProblemError, type FieldError, type Problem } from './problem.js'
export type { components, operations, paths } from './schema.js'
export type { SessionTokens } from './session.js'
