import { Ajv, type Options } from 'ajv'
import * as addFormatsModule from 'ajv-formats'
import type { FastifySchemaCompiler } from 'fastify'
import type { TSchema } from 'typebox'

// ajv-formats ships CommonJS with a default export that NodeNext sees one level down.
const addFormats = addFormatsModule.default as unknown as typeof addFormatsModule.default.default

const common: Options = {
  allErrors: true,
  useDefaults: true,
  // Bodies must be rejected, never silently trimmed, when they carry unknown members.
  removeAdditional: false,
  strict: false,
  keywords: ['example', 'x-sensitive', 'x-permission'],
}

function createAjv(options: Options, shared: TSchema[]): Ajv {
  const ajv = new Ajv({ ...common, ...options })
  addFormats(ajv, { mode: 'full' })
  for (const schema of shared) ajv.addSchema(schema)
  return ajv
}

/**
 * Bodies are validated strictly (no type coercion: "42" is not 42 in JSON); querystrings, params and
 * headers arrive as text and are coerced, which is what a URL can only carry anyway.
 */
export function createValidatorCompiler(shared: TSchema[]): FastifySchemaCompiler<TSchema> {
  let compiler = compilers.get(shared)
  if (!compiler) {
    const strict = createAjv({ coerceTypes: false }, shared)
    const coercing = createAjv({ coerceTypes: 'array' }, shared)
    // Ajv caches compiled functions per schema object, so a route registered again compiles nothing.
    compiler = ({ schema, httpPart }) => (httpPart === 'body' ? strict : coercing).compile(schema)
    compilers.set(shared, compiler)
  }
  return compiler
}

/** One pair of Ajv instances per set of shared schemas, for every app built in this process. */
const compilers = new WeakMap<TSchema[], FastifySchemaCompiler<TSchema>>()
