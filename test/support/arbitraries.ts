import fc, { type Arbitrary } from 'fast-check'

/** A JSON Schema as it appears in the OpenAPI document (the subset this service's contract uses). */
export interface JsonSchema {
  type?: string | string[]
  $ref?: string
  enum?: unknown[]
  const?: unknown
  anyOf?: JsonSchema[]
  oneOf?: JsonSchema[]
  properties?: Record<string, JsonSchema>
  required?: string[]
  items?: JsonSchema
  minItems?: number
  maxItems?: number
  uniqueItems?: boolean
  minLength?: number
  maxLength?: number
  pattern?: string
  format?: string
  minimum?: number
  maximum?: number
  default?: unknown
  additionalProperties?: boolean | JsonSchema
}

export type Resolver = (ref: string) => JsonSchema

const formats: Record<string, () => Arbitrary<string>> = {
  uuid: () => fc.uuid(),
  date: () =>
    fc
      .date({ min: new Date('2005-01-01'), max: new Date('2030-12-31'), noInvalidDate: true })
      .map((d) => d.toISOString().slice(0, 10)),
  'date-time': () =>
    fc
      .date({ min: new Date('2005-01-01'), max: new Date('2030-12-31'), noInvalidDate: true })
      .map((d) => d.toISOString()),
}

/** Values a schema accepts (or mostly accepts: patterns are followed, cross-field rules are not). */
export function validValue(schema: JsonSchema, resolve: Resolver, depth = 0): Arbitrary<unknown> {
  if (schema.$ref) return validValue(resolve(schema.$ref), resolve, depth)
  if (schema.const !== undefined) return fc.constant(schema.const)
  if (schema.enum) return fc.constantFrom(...schema.enum)
  const union = schema.anyOf ?? schema.oneOf
  if (union) return fc.oneof(...union.map((member) => validValue(member, resolve, depth + 1)))
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type
  switch (type) {
    case 'null':
      return fc.constant(null)
    case 'boolean':
      return fc.boolean()
    case 'integer':
      return fc.integer({ min: schema.minimum ?? -1000, max: schema.maximum ?? 100_000 })
    case 'number':
      return fc.double({ min: schema.minimum ?? -1000, max: schema.maximum ?? 100_000, noNaN: true })
    case 'string': {
      if (schema.format && formats[schema.format]) return formats[schema.format]!()
      if (schema.pattern)
        return fc
          .stringMatching(new RegExp(schema.pattern))
          .filter((s) => s.length >= (schema.minLength ?? 0) && s.length <= (schema.maxLength ?? 10_000))
      return fc.string({ minLength: schema.minLength ?? 0, maxLength: Math.min(schema.maxLength ?? 40, 40) })
    }
    case 'array': {
      if (depth > 4 || !schema.items) return fc.constant([])
      return fc.array(validValue(schema.items, resolve, depth + 1), {
        minLength: schema.minItems ?? 0,
        maxLength: Math.min(schema.maxItems ?? 3, 3),
      })
    }
    case 'object': {
      if (depth > 4) return fc.constant({})
      const properties = schema.properties ?? {}
      const required = new Set(schema.required ?? [])
      const record: Record<string, Arbitrary<unknown>> = {}
      for (const [name, property] of Object.entries(properties)) record[name] = validValue(property, resolve, depth + 1)
      return fc.record(record, { requiredKeys: Object.keys(properties).filter((name) => required.has(name)) })
    }
    default:
      return fc.jsonValue({ maxDepth: 1 })
  }
}

/** Values a client might send by mistake or malice: wrong types, junk strings, unknown members. */
export function hostileValue(): Arbitrary<unknown> {
  return fc.oneof(
    fc.constant(null),
    fc.constant(''),
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.string({ maxLength: 30 }),
    fc.constantFrom(
      "' or 1=1 --",
      '<script>alert(1)</script>',
      '../../etc/passwd',
      '\u0000',
      '9'.repeat(400),
      '=cmd|calc',
      '%00',
      '{{7*7}}',
    ),
    fc.array(fc.string(), { maxLength: 3 }),
    fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }), { maxKeys: 3 }),
  )
}
