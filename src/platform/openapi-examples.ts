/**
 * Examples for the contract, made from each schema: a realistic value for what a member is named (a ward
 * of today, a Vietnamese name, a synthetic personal ID number), else one its enum, format, pattern or type
 * allows. Every request body and success response of the document gets one, so that "Try it out" in
 * /docs starts from a request the service can accept and an integrator reads what comes back. Each is
 * checked against its own schema by the contract's tests. Synthetic: no value names a real person.
 */

type Schema = Record<string, unknown>

/** Values as an officer of a ward of today would write them, by member name. */
const valuesByName: Record<string, unknown> = {
  fullName: 'Nguyễn Thị Lan',
  sex: 'female',
  ageYears: 10,
  relationship: 'mother',
  relationshipToHead: 'con',
  movedTo: 'Phường Hoàng Mai',
  provider: 'Ủy ban nhân dân phường Vĩnh Hưng',
  disabilityNote: 'Khiếm thính nhẹ',
  healthNote: 'Hen phế quản, đang điều trị ngoại trú',
  hasDisability: true,
  field: 'fullName',
  code: 'possible_duplicate',
  message: 'a child with the same name and date of birth is already registered',
  title: 'Báo cáo 6 tháng đầu năm 2026',
  summary: 'Các chỉ tiêu chính đạt kế hoạch',
  headName: 'Trần Văn Hùng',
  name: 'Lê Thu Hà',
  actorName: 'Lê Thu Hà',
  nameVi: 'Phường Vĩnh Hưng',
  nameEn: 'Vinh Hung ward',
  wardCode: '00301-2025',
  unitCode: '00301-2025',
  unit: '00301-2025',
  parentCode: '01',
  provinceCode: '01',
  residentialGroupCode: '00301-2025-R01',
  streetAddress: 'Số 12, ngõ 45 phố Vĩnh Hưng',
  dateOfBirth: '2016-04-12',
  birthYear: 2016,
  ethnicityCode: '01',
  personalId: '001216004512',
  cardNumber: 'TE1010116004512',
  email: 'can.bo.vinhhung@example.vn',
  username: 'canbo.vinhhung',
  password: 'Tre-Em-Vinh-Hung-2026',
  currentPassword: 'Tre-Em-Vinh-Hung-2026',
  newPassword: 'Mua-Dong-Ha-Noi-2026',
  url: 'https://tong-hop.hanoi.example.vn/hooks/cps',
  reason: 'Sửa ngày sinh theo giấy khai sinh',
  note: 'Cán bộ phường đã đến thăm gia đình ngày 02/12/2026.',
  notes: 'Cán bộ phường đã đến thăm gia đình ngày 02/12/2026.',
  narrative: 'Nhà trường báo tin qua điện thoại; cán bộ phường đã gặp gia đình trong ngày.',
  year: 2026,
  periodCode: '2026-six_month',
  role: 'ward_officer',
  version: 3,
  limit: 50,
  requestId: 'req-6f1c2a9d',
}

const exampleUuid = '6a1f0c2e-4b7d-4e9a-9c3f-2d8b5e7a1c40'

const valuesByFormat: Record<string, string> = {
  date: '2026-12-03',
  'date-time': '2026-12-03T08:30:00.000Z',
  uuid: exampleUuid,
  email: 'can.bo.vinhhung@example.vn',
  uri: 'https://tong-hop.hanoi.example.vn/hooks/cps',
  hostname: 'tong-hop.hanoi.example.vn',
  ipv4: '192.0.2.10',
}

/** Texts that satisfy the patterns the contract uses, tried in order when no named value fits. */
const patternCandidates = [
  '00301-2025',
  '01',
  '001216004512',
  '2026',
  '2026-12-03',
  '2026-H1',
  '1.1',
  'a',
  'A1',
  'whsec_c3ludGhldGljIHNpZ25pbmcga2V5IGZvciBkb2NzIQ==',
  exampleUuid,
]

function matches(pattern: unknown, text: string): boolean {
  if (typeof pattern !== 'string') return true
  try {
    return new RegExp(pattern, 'u').test(text)
  } catch {
    return false
  }
}

function fitsString(schema: Schema, text: string): boolean {
  if (typeof schema.minLength === 'number' && [...text].length < schema.minLength) return false
  if (typeof schema.maxLength === 'number' && [...text].length > schema.maxLength) return false
  return matches(schema.pattern, text)
}

function exampleString(schema: Schema, name: string | undefined): string {
  const named = name === undefined ? undefined : valuesByName[name]
  if (typeof named === 'string' && fitsString(schema, named)) return named
  const formatted = typeof schema.format === 'string' ? valuesByFormat[schema.format] : undefined
  if (formatted !== undefined) return formatted
  for (const candidate of patternCandidates) if (schema.pattern && fitsString(schema, candidate)) return candidate
  const minimum = typeof schema.minLength === 'number' ? schema.minLength : 1
  const text = 'mẫu'.padEnd(Math.max(minimum, 3), 'x')
  return typeof schema.maxLength === 'number' ? text.slice(0, schema.maxLength) : text
}

function exampleNumber(schema: Schema, name: string | undefined, integer: boolean): number {
  const named = name === undefined ? undefined : valuesByName[name]
  const low = typeof schema.minimum === 'number' ? schema.minimum : undefined
  const high = typeof schema.maximum === 'number' ? schema.maximum : undefined
  const within = (value: number) => (low === undefined || value >= low) && (high === undefined || value <= high)
  if (typeof named === 'number' && within(named)) return named
  const preferred = integer ? 1 : 0.5
  if (within(preferred)) return preferred
  return low ?? high ?? 0
}

/** The component a local reference names. */
function resolve(schema: Schema, components: Record<string, Schema>): Schema {
  const reference = schema.$ref
  if (typeof reference !== 'string') return schema
  const target = components[reference.replace('#/components/schemas/', '')]
  return target ? { ...target, ...Object.fromEntries(Object.entries(schema).filter(([key]) => key !== '$ref')) } : {}
}

const isNullSchema = (schema: Schema) => schema.type === 'null'

/**
 * An example of `schema`. `complete`: every member of an object, not only the required ones (a response
 * shows all it may hold; a request starts from what it needs).
 */
export function exampleOf(
  schema: Schema,
  components: Record<string, Schema>,
  options: { complete: boolean; name?: string; depth?: number },
): unknown {
  const depth = options.depth ?? 0
  const current = resolve(schema, components)
  if (current.examples && Array.isArray(current.examples) && current.examples.length > 0) return current.examples[0]
  if ('example' in current) return current.example
  if ('const' in current) return current.const
  if (Array.isArray(current.enum) && current.enum.length > 0) {
    const named = options.name === undefined ? undefined : valuesByName[options.name]
    return current.enum.includes(named) ? named : (current.enum.find((value) => value !== null) ?? null)
  }
  if ('default' in current && current.default !== null) return current.default
  const alternatives = (current.anyOf ?? current.oneOf) as Schema[] | undefined
  if (alternatives) {
    const chosen = alternatives.find((alternative) => !isNullSchema(resolve(alternative, components)))
    return chosen ? exampleOf(chosen, components, { ...options, depth }) : null
  }
  if (Array.isArray(current.allOf)) {
    const merged = (current.allOf as Schema[]).reduce<Record<string, unknown>>((whole, part) => {
      const value = exampleOf(part, components, { ...options, depth })
      return typeof value === 'object' && value !== null ? { ...whole, ...value } : whole
    }, {})
    return merged
  }
  const declared = current.type as string | string[] | undefined
  const type = Array.isArray(declared) ? declared.find((kind) => kind !== 'null') : declared
  switch (type) {
    case 'string':
      return exampleString(current, options.name)
    case 'integer':
      return exampleNumber(current, options.name, true)
    case 'number':
      return exampleNumber(current, options.name, false)
    case 'boolean':
      return typeof valuesByName[options.name ?? ''] === 'boolean' ? valuesByName[options.name!] : true
    case 'null':
      return null
    case 'array': {
      const items = (current.items as Schema | undefined) ?? {}
      const count = typeof current.minItems === 'number' && current.minItems > 1 ? current.minItems : 1
      if (depth > 6 && count === 1 && !current.minItems) return []
      const item = exampleOf(items, components, { complete: options.complete, depth: depth + 1 })
      return Array.from({ length: count }, () => item)
    }
    default:
      return exampleObject(current, components, { ...options, depth })
  }
}

function exampleObject(
  schema: Schema,
  components: Record<string, Schema>,
  options: { complete: boolean; depth?: number },
): Record<string, unknown> {
  const depth = options.depth ?? 0
  const properties = (schema.properties ?? {}) as Record<string, Schema>
  const required = new Set((schema.required as string[] | undefined) ?? [])
  const example: Record<string, unknown> = {}
  // A change (PATCH) names at least one member: the first optional ones then stand for it.
  let wanted = typeof schema.minProperties === 'number' ? schema.minProperties - required.size : 0
  for (const [name, member] of Object.entries(properties)) {
    // A request shows what it needs, and the members an officer would fill in (those with a named value).
    const shown = required.has(name) || (options.complete ? depth <= 4 : name in valuesByName) || wanted-- > 0
    if (shown) example[name] = exampleOf(member, components, { complete: options.complete, name, depth: depth + 1 })
  }
  return example
}

interface MediaType {
  schema?: Schema
  example?: unknown
}
type Operation = {
  requestBody?: { content?: Record<string, MediaType> }
  responses?: Record<string, { content?: Record<string, MediaType> }>
}

/** The JSON media types of a body that an example is written for. */
const jsonMedia = (content: Record<string, MediaType> | undefined) =>
  Object.entries(content ?? {}).filter(
    ([type, media]) => type.includes('json') && media.schema && !type.includes('problem'),
  )

/** The document with an example on every JSON request body and success response that has none. */
export function withExamples<T extends object>(document: T): T {
  const { paths, components } = document as {
    paths?: Record<string, Record<string, Operation>>
    components?: { schemas?: Record<string, Schema> }
  }
  const schemas = components?.schemas ?? {}
  for (const methods of Object.values(paths ?? {})) {
    for (const operation of Object.values(methods)) {
      for (const [, media] of jsonMedia(operation.requestBody?.content)) {
        media.example ??= exampleOf(media.schema!, schemas, { complete: false })
      }
      for (const [status, response] of Object.entries(operation.responses ?? {})) {
        if (!/^2\d\d$/.test(status)) continue
        for (const [, media] of jsonMedia(response.content))
          media.example ??= exampleOf(media.schema!, schemas, { complete: true })
      }
    }
  }
  return document
}
