import { STATUS_CODES } from 'node:http'
import Type, { type Static, type TSchema } from 'typebox'

/**
 * Shared contract pieces. A schema with an `$id` is registered once and becomes
 * `#/components/schemas/<id>` in the OpenAPI document; routes point at it with `ref()`.
 */
const FieldErrorSchema = Type.Object(
  {
    location: Type.Enum(['body', 'querystring', 'params', 'headers']),
    pointer: Type.String({ description: 'JSON pointer into the request part, e.g. /fullName' }),
    message: Type.String(),
    code: Type.Optional(Type.String()),
  },
  { $id: 'FieldError', additionalProperties: false },
)

const ProblemSchema = Type.Object(
  {
    type: Type.String({ description: 'URI naming the problem type: urn:cps:problem:<code>' }),
    title: Type.String(),
    status: Type.Integer({ minimum: 400, maximum: 599 }),
    detail: Type.String(),
    instance: Type.String({ description: 'the request path that produced this occurrence' }),
    code: Type.String({ description: 'stable machine-readable code; see docs/errors.md' }),
    requestId: Type.String(),
    errors: Type.Optional(
      Type.Array(Type.Ref('FieldError'), { maxItems: 20, description: 'the field errors, at most 20' }),
    ),
    errorsTruncated: Type.Optional(Type.Boolean({ description: 'true when there were more than 20 field errors' })),
    errorCount: Type.Optional(
      Type.Integer({ minimum: 21, description: 'how many field errors there were, when truncated' }),
    ),
  },
  {
    $id: 'Problem',
    additionalProperties: true,
    description: 'RFC 9457 problem details. Some codes add members (e.g. allowedNextSteps, existingId).',
  },
)

export type Problem = Static<typeof ProblemSchema>

/**
 * A typed pointer to a registered schema: `$ref` in JSON, the schema's static type in TypeScript.
 * As a response schema, `description` becomes the response's description in the OpenAPI document.
 */
export function ref<T extends TSchema & { $id?: string }>(schema: T, description?: string) {
  if (!schema.$id) throw new Error('ref() needs a schema with an $id')
  return Type.Unsafe<Static<T>>(description ? { $ref: `${schema.$id}#`, description } : { $ref: `${schema.$id}#` })
}

/** OpenAPI responses for the given error statuses, each an application/problem+json Problem. */
export function problemResponses(...statuses: number[]) {
  const responses: Record<number, unknown> = {}
  for (const status of statuses) {
    responses[status] = {
      description: STATUS_CODES[status] ?? 'Error',
      content: { 'application/problem+json': { schema: ref(ProblemSchema) } },
    }
  }
  return responses
}

export const IsoDate = (options: Record<string, unknown> = {}) =>
  Type.String({ format: 'date', description: 'YYYY-MM-DD', ...options })

export const Timestamp = (options: Record<string, unknown> = {}) =>
  Type.String({ format: 'date-time', description: 'RFC 3339 timestamp with offset', ...options })

export const PaginationQuery = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
  cursor: Type.Optional(Type.String({ maxLength: 512, description: 'opaque cursor from a previous page' })),
}

export const Page = <T extends TSchema>(item: T, id: string) =>
  Type.Object(
    {
      items: Type.Array(item),
      nextCursor: Type.Union([Type.String(), Type.Null()], {
        description: 'pass as ?cursor= for the next page; null at the end',
      }),
    },
    { $id: id, additionalProperties: false },
  )

export const platformSchemas: TSchema[] = [FieldErrorSchema, ProblemSchema]
