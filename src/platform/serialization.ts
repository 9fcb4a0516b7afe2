import { SerializerSelector } from '@fastify/fast-json-stringify-compiler'

type Serializer = (document: unknown) => string
type RouteSchema = { schema?: unknown; httpStatus?: string; contentType?: string }

/**
 * Response serializers, compiled on a route's first response and kept per schema object for the
 * life of the process. Compiling every route's serializer up front was most of the cost of starting
 * the app; the schemas are module constants, so every app built in one process (the tests build
 * many) reuses what was compiled once. The contract tests exercise every response schema.
 */
const compiled = new WeakMap<object, Map<string, Serializer>>()

export function cachedSerializerFactory(externalSchemas?: unknown, options?: object) {
  const compile = SerializerSelector()(externalSchemas, options)
  // A serializer resolves $refs against the shared schemas: apps with other shared schemas compile their own.
  const externals = Object.keys((externalSchemas as Record<string, unknown>) ?? {})
    .sort()
    .join(',')
  return (route: RouteSchema & { method: string; url: string }): Serializer => {
    const schema = route.schema
    if (typeof schema !== 'object' || schema === null) return compile(route as never)
    const key = `${externals}|${route.httpStatus ?? ''}|${route.contentType ?? ''}`
    let serializers = compiled.get(schema)
    if (!serializers) compiled.set(schema, (serializers = new Map<string, Serializer>()))
    const known = serializers.get(key)
    if (known) return known
    let serializer: Serializer | undefined
    const lazy: Serializer = (document) => (serializer ??= compile(route as never))(document)
    serializers.set(key, lazy)
    return lazy
  }
}
