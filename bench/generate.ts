/**
 * Synthetic data for benchmarks: N children (default 1M) in the 14 wards of Hoàng Mai before 2025,
 * with households, special circumstances, care, health insurance cards and incidents, loaded with
 * COPY as the database owner (row-level security does not apply to it). Deterministic by seed: the
 * same seed and options give byte-identical rows. Synthetic only: no real person is in here.
 *
 *   npx tsx bench/generate.ts --children 1000000 --incidents 100000 --seed 1 --database cps_bench \
 *     [--url postgres://postgres@127.0.0.1:5432/test] [--reference-date 2024-06-15]
 */
import { loadavg } from 'node:os'
import { pathToFileURL } from 'node:url'
import pg from 'pg'
import { loadWorkingCalendar } from '../src/modules/calendar/repository.js'
import { localDateOf, startOfLocalDay, type WorkingCalendar } from '../src/modules/calendar/rules.js'
import { ageInYears, defaultBhytExpiry, monthlyAllowanceVnd } from '../src/modules/children/rules.js'
import {
  allowedNextSteps,
  stepDeadline,
  writtenReportDeadline,
  type CaseStep,
  type IncidentKind,
  type TimePrecision,
} from '../src/modules/incidents/rules.js'
import { openDatabase } from '../src/db/client.js'
import { loadCaseStepRules, loadUnits } from '../src/reference/index.js'
import { CopyWriter } from './support/copy.js'
import {
  databaseUrl,
  defaultServerUrl,
  foreignKeys,
  keysAndIndexes,
  MaintenanceQueue,
  recreateDatabase,
  suspendConstraints,
} from './support/database.js'
import { Random, RecordIds, recordId, weighted, type Weighted } from './support/random.js'
import { formatRate, parseOptions, table } from './support/stats.js'
import { adultName, childName, familyName, streets, type Sex } from './support/vietnamese-names.js'

/** The step deadlines the generated cases are held to: the reference file's. */
const { rules: caseStepRules, writtenReportKinds } = loadCaseStepRules().data

export interface GenerateOptions {
  /** The database to (re)create and fill, e.g. postgres://postgres@127.0.0.1:5432/cps_bench. */
  url: string
  children?: number
  incidents?: number
  seed?: number
  /** "Today" of the data set: ages, card validity and deadlines are as of this date. */
  referenceDate?: string
  log?: (line: string) => void
}

export interface WardSummary {
  code: string
  children: number
  residentialGroups: string[]
  /** Up to 200 children of the ward, for read benchmarks. */
  sampleChildIds: string[]
}

export interface GeneratedSummary {
  url: string
  seed: number
  referenceDate: string
  districtCode: string
  wards: WardSummary[]
  rows: Record<string, number>
  loads: { table: string; rows: number; seconds: number }[]
  phases: { phase: string; seconds: number }[]
  totalSeconds: number
  /** CPU time spent: this process, and the database backends when the server runs on this machine. */
  cpuSeconds: { generator: number; server: number | null }
}

const provinceCode = '01'
const districtCode = '008'
const actorId = 'synthetic-generator'
const dayMs = 86_400_000
const hourMs = 3_600_000
const minuteMs = 60_000
/** Records start when the registry was first kept electronically (a synthetic go-live date). */
const registryStartDate = '2019-01-01'

/**
 * Relative sizes of the 14 wards, roughly their populations (Hoàng Liệt, with its new urban areas,
 * is by far the largest). Illustrative, not statistics: the benchmark needs uneven wards, not exact ones.
 */
const wardWeights: Record<string, number> = {
  '00301': 26,
  '00304': 42,
  '00307': 45,
  '00310': 44,
  '00313': 28,
  '00316': 42,
  '00319': 26,
  '00322': 39,
  '00325': 18,
  '00328': 32,
  '00331': 35,
  '00334': 16,
  '00337': 80,
  '00340': 25,
}

const childrenPerHousehold = weighted<number>([
  [1, 45],
  [2, 38],
  [3, 13],
  [4, 4],
])
const householdStructures = weighted<'couple' | 'three_generations' | 'single_mother' | 'single_father'>([
  ['couple', 76],
  ['three_generations', 12],
  ['single_mother', 9],
  ['single_father', 3],
])
const ethnicityTail = weighted<string>([
  ['06', 25],
  ['02', 20],
  ['03', 12],
  ['07', 12],
  ['04', 12],
  ['09', 6],
  ['08', 4],
  ['05', 3],
  ['10', 2],
  ['13', 2],
  ['14', 2],
])

/** Special-circumstance groups among the ~3% of children in one: disability is by far the most common. */
const circumstanceGroupWeights = weighted<string>([
  ['d', 38],
  ['n', 10],
  ['h', 8],
  ['a', 6],
  ['i', 6],
  ['c', 5],
  ['l', 5],
  ['k', 4],
  ['e', 4],
  ['o', 3],
  ['b', 2],
  ['đ', 2],
  ['g', 1],
  ['m', 1],
])
/** Youngest age (full years) at which a group is plausible: dropping out, offending, drugs, labour. */
const groupMinimumAge: Record<string, number> = { h: 11, e: 12, g: 12, k: 8, l: 3, i: 2 }
const subGroups: Record<string, readonly string[]> = {
  a: ['no_caregiver', 'in_social_protection_facility', 'with_relatives', 'non_relative_alternative_care'],
  d: ['especially_severe', 'severe'],
}
const groupEndReasons = ['no_longer_eligible', 'moved_out', 'circumstances_resolved'] as const
const risks = weighted<readonly [string | null, string]>([
  [[null, 'Cha mẹ ly hôn, trẻ thiếu người chăm sóc thường xuyên'], 30],
  [['h', 'Nguy cơ bỏ học do hoàn cảnh gia đình khó khăn'], 25],
  [['k', 'Nguy cơ phải lao động sớm để phụ giúp gia đình'], 15],
  [['i', 'Gia đình có dấu hiệu bạo lực'], 15],
  [[null, 'Cha hoặc mẹ đang chấp hành án phạt tù'], 10],
  [['b', 'Nguy cơ bị bỏ rơi, cha mẹ đi làm xa'], 5],
])

const careByGroup: Record<string, readonly string[]> = {
  a: [
    'allowance',
    'alternative_care_relatives',
    'alternative_care_non_relatives',
    'alternative_care_facility',
    'health_insurance',
  ],
  b: ['allowance', 'alternative_care_facility', 'alternative_care_non_relatives', 'health_insurance'],
  c: ['allowance', 'alternative_care_relatives', 'education_support'],
  d: ['allowance', 'medical', 'education_support', 'health_insurance'],
  đ: ['medical', 'allowance', 'counselling', 'health_insurance'],
  e: ['legal_aid', 'counselling', 'referral'],
  g: ['medical', 'counselling', 'referral'],
  h: ['education_support', 'counselling', 'allowance'],
  i: ['counselling', 'medical', 'referral', 'legal_aid'],
  k: ['counselling', 'referral', 'education_support'],
  l: ['counselling', 'medical', 'legal_aid', 'referral'],
  m: ['counselling', 'legal_aid', 'referral', 'alternative_care_facility'],
  n: ['allowance', 'medical', 'health_insurance'],
  o: ['alternative_care_facility', 'referral', 'allowance'],
  risk: ['counselling', 'education_support', 'other'],
}
const providerByCare: Record<string, string> = {
  allowance: 'UBND phường',
  health_insurance: 'Bảo hiểm xã hội quận Hoàng Mai',
  education_support: 'Trường học trên địa bàn',
  alternative_care_relatives: 'Gia đình họ hàng',
  alternative_care_non_relatives: 'Gia đình nhận chăm sóc thay thế',
  alternative_care_facility: 'Trung tâm Công tác xã hội Hà Nội',
  counselling: 'Trung tâm Công tác xã hội Hà Nội',
  medical: 'Trạm y tế phường',
  legal_aid: 'Trung tâm Trợ giúp pháp lý Hà Nội',
  referral: 'Phòng Lao động - Thương binh và Xã hội',
  other: 'Hội Liên hiệp Phụ nữ phường',
}

const incidentKindWeights = weighted<IncidentKind>([
  ['injury_accident', 25],
  ['violence', 20],
  ['neglect', 12],
  ['other_rights_violation', 12],
  ['sexual_abuse', 10],
  ['child_labour', 6],
  ['drowning', 5],
  ['abandonment', 4],
  ['exploitation', 4],
  ['trafficking', 2],
])
const sexualAbuseSubKinds = weighted<string>([
  ['molestation', 40],
  ['intercourse_with_child', 25],
  ['rape', 15],
  ['forcible_sex', 8],
  ['pornography', 7],
  ['prostitution', 5],
])
const channelWeights = weighted<string>([
  ['phone', 30],
  ['in_person', 25],
  ['hotline_111', 12],
  ['police', 12],
  ['school', 10],
  ['health', 8],
  ['other', 3],
])
const precisionWeights = weighted<TimePrecision>([
  ['exact', 70],
  ['day', 22],
  ['approximate', 8],
])
const perpetrators = weighted<string>([
  ['parent', 30],
  ['relative', 15],
  ['acquaintance', 15],
  ['neighbour', 12],
  ['stranger', 12],
  ['step_parent', 8],
  ['peer', 5],
  ['teacher', 3],
])
const injuryKinds: ReadonlySet<IncidentKind> = new Set<IncidentKind>(['injury_accident', 'drowning'])
const emergencyShare: Partial<Record<IncidentKind, number>> = {
  sexual_abuse: 0.25,
  trafficking: 0.4,
  abandonment: 0.3,
  violence: 0.1,
}
const closureReasons = weighted<string>([
  ['child_safe', 70],
  ['transferred', 12],
  ['not_a_case', 10],
  ['aged_out', 3],
  ['moved_out', 5],
])
const narratives: Record<IncidentKind, string> = {
  sexual_abuse: 'Trẻ có dấu hiệu bị xâm hại; đã thông báo Công an phường. (Dữ liệu giả lập)',
  violence: 'Trẻ bị đánh gây thương tích; người báo tin là hàng xóm. (Dữ liệu giả lập)',
  exploitation: 'Trẻ bị bắt làm việc quá sức tại cơ sở kinh doanh. (Dữ liệu giả lập)',
  child_labour: 'Trẻ phụ bán hàng đêm tại chợ, không đi học. (Dữ liệu giả lập)',
  trafficking: 'Trẻ được giải cứu, nghi bị đưa đi khỏi địa phương. (Dữ liệu giả lập)',
  abandonment: 'Trẻ sơ sinh bị bỏ lại trước cổng nhà dân. (Dữ liệu giả lập)',
  neglect: 'Trẻ thường xuyên ở nhà một mình, thiếu ăn. (Dữ liệu giả lập)',
  injury_accident: 'Trẻ bị ngã từ trên cao, đã được sơ cứu. (Dữ liệu giả lập)',
  drowning: 'Trẻ bị đuối nước tại ao, hồ trên địa bàn. (Dữ liệu giả lập)',
  other_rights_violation: 'Trẻ chưa được đăng ký khai sinh, chưa đi học. (Dữ liệu giả lập)',
  other_harm: 'Trẻ bị đe dọa, xúc phạm nhiều lần qua mạng xã hội. (Dữ liệu giả lập)',
}

interface Geography {
  wardCodes: string[]
  wardTable: Weighted<number>
  groupCodes: string[]
  groupWard: number[]
  groupsOfWard: number[][]
  groupTables: Weighted<number>[]
}

/** The 14 wards before the 2025 merger, each with 18–24 residential groups of uneven sizes. */
function buildGeography(seed: number): Geography {
  const wards = loadUnits().data.units.filter((unit) => unit.level === 'ward' && unit.parentCode === districtCode)
  const wardCodes = wards.map((ward) => ward.code)
  const groupCodes: string[] = []
  const groupWard: number[] = []
  const groupsOfWard: number[][] = []
  const groupTables: Weighted<number>[] = []
  wardCodes.forEach((code, wardIndex) => {
    const random = Random.for(seed, 'ward', wardIndex)
    const count = random.between(18, 24)
    const members: number[] = []
    const sizes: [number, number][] = []
    for (let n = 1; n <= count; n++) {
      members.push(groupCodes.length)
      sizes.push([groupCodes.length, 0.5 + random.next()])
      groupCodes.push(`${code}-TDP${String(n).padStart(2, '0')}`)
      groupWard.push(wardIndex)
    }
    groupsOfWard.push(members)
    groupTables.push(weighted(sizes))
  })
  const wardTable = weighted(wardCodes.map((code, index) => [index, wardWeights[code] ?? 30] as const))
  return { wardCodes, wardTable, groupCodes, groupWard, groupsOfWard, groupTables }
}

const dayOf = (date: string) => Math.round(Date.parse(`${date}T00:00:00Z`) / dayMs)
const dateOf = (day: number) => new Date(day * dayMs).toISOString().slice(0, 10)
const instant = (ms: number) => new Date(ms).toISOString()
const localMidnights = new Map<number, number>()
/** An instant during office hours (07:30–17:00 local) of a calendar day. */
function officeHour(random: Random, day: number): number {
  let midnight = localMidnights.get(day)
  if (midnight === undefined) localMidnights.set(day, (midnight = startOfLocalDay(dateOf(day)).getTime()))
  return midnight + 7.5 * hourMs + random.int(570) * minuteMs
}

/** The earliest date of birth of someone still a child (under 16) on the reference date, as a day number. */
function firstBirthDayOfAChild(referenceDate: string): number {
  const [year, month, day] = referenceDate.split('-').map(Number) as [number, number, number]
  // Day 29 of February in a common year becomes 1 March, which is what the loop below expects.
  let candidate = dayOf(`${year - 16}-${String(month).padStart(2, '0')}-01`) + day - 1
  while (ageInYears(dateOf(candidate), referenceDate) >= 16) candidate++
  return candidate
}

/** The facts about each child that the incident pass needs, in flat arrays (1M children ≈ 8 MB). */
interface Registry {
  count: number
  ward: Uint8Array
  group: Uint16Array
  sex: Uint8Array
  /** Effective date of birth, as days since 1970-01-01. */
  birthDay: Int32Array
}

interface PersonalIdCounters {
  next(birthYear: number, sex: Sex): string
}

/**
 * Unique personal ID numbers consistent with birth year and sex (REFERENCE.md §3): province 001
 * (Hà Nội), century-and-sex digit (2 boy / 3 girl in the 2000s), two digits of the year, and six
 * digits that look random but are a bijection of a per-year-and-sex counter, so they never collide.
 */
function personalIds(seed: number): PersonalIdCounters {
  const counters = new Map<string, number>()
  return {
    next(birthYear, sex) {
      const key = `${birthYear}${sex}`
      const n = counters.get(key) ?? 0
      counters.set(key, n + 1)
      const offset = Random.for(seed, 'personal-id', birthYear * 2 + (sex === 'male' ? 0 : 1)).int(1_000_000)
      const serial = (n * 387_403 + offset) % 1_000_000
      const centuryAndSex = (Math.floor(birthYear / 100) - 19) * 2 + (sex === 'male' ? 0 : 1)
      return `001${centuryAndSex}${String(birthYear % 100).padStart(2, '0')}${String(serial).padStart(6, '0')}`
    },
  }
}

function schoolingStatus(random: Random, age: number): string {
  if (age < 3) return 'not_yet_school_age'
  if (age < 6) return random.chance(0.92) ? 'preschool' : 'not_yet_school_age'
  if (age < 11) return random.chance(0.99) ? 'primary' : random.chance(0.5) ? 'out_of_school' : 'other'
  if (age < 15) return random.chance(0.975) ? 'lower_secondary' : random.chance(0.8) ? 'out_of_school' : 'other'
  return random.chance(0.88) ? 'upper_secondary' : random.chance(0.65) ? 'out_of_school' : 'other'
}

const registryColumns = {
  households: [
    'id',
    'province_code',
    'ward_code',
    'residential_group_code',
    'street_address',
    'head_name',
    'poverty_status',
    'poverty_from',
    'poverty_to',
    'members',
    'version',
    'created_at',
    'updated_at',
    'created_by',
    'updated_by',
  ],
  children: [
    'id',
    'province_code',
    'ward_code',
    'residential_group_code',
    'street_address',
    'household_id',
    'relationship_to_head',
    'full_name',
    'date_of_birth',
    'birth_year',
    'birth_date_precision',
    'sex',
    'ethnicity_code',
    'personal_id',
    'birth_registered',
    'schooling_status',
    'has_disability',
    'disability_note',
    'health_note',
    'caregivers',
    'status',
    'status_date',
    'moved_to',
    'version',
    'created_at',
    'updated_at',
    'created_by',
    'updated_by',
  ],
  child_circumstances: [
    'id',
    'child_id',
    'province_code',
    'ward_code',
    'residential_group_code',
    'kind',
    'group_code',
    'sub_group',
    'risk',
    'start_date',
    'end_date',
    'end_reason',
    'note',
    'version',
    'created_at',
    'created_by',
    'updated_at',
  ],
  care_records: [
    'id',
    'child_id',
    'province_code',
    'ward_code',
    'residential_group_code',
    'kind',
    'provider',
    'start_date',
    'end_date',
    'amount_vnd',
    'note',
    'version',
    'created_at',
    'created_by',
    'updated_at',
  ],
  health_insurance_cards: [
    'id',
    'child_id',
    'province_code',
    'ward_code',
    'residential_group_code',
    'card_number',
    'issued_on',
    'valid_from',
    'valid_to',
    'created_at',
    'created_by',
  ],
} as const

const incidentColumns = {
  incidents: [
    'id',
    'province_code',
    'ward_code',
    'residential_group_code',
    'kind',
    'sub_kind',
    'occurred_at',
    'occurred_at_precision',
    'detected_at',
    'channel',
    'phone_reported_at',
    'emergency',
    'narrative',
    'perpetrator_relation',
    'injury_outcome',
    'written_report_due_at',
    'written_report_basis',
    'written_report_required',
    'written_report_submitted_at',
    'written_report_late_reason',
    'written_report_by',
    'received_at',
    'status',
    'closed_at',
    'closure_reason',
    'version',
    'created_at',
    'updated_at',
    'created_by',
    'updated_by',
  ],
  incident_children: [
    'id',
    'incident_id',
    'province_code',
    'ward_code',
    'residential_group_code',
    'child_id',
    'unregistered',
    'sex',
    'age_years',
    'created_at',
  ],
  incident_steps: [
    'id',
    'incident_id',
    'province_code',
    'ward_code',
    'residential_group_code',
    'step',
    'at',
    'due_at',
    'note',
    'actor_id',
    'actor_name',
    'created_at',
  ],
} as const

type Writers<T extends Record<string, readonly string[]>> = { [K in keyof T]: CopyWriter }

async function openWriters<T extends Record<string, readonly string[]>>(url: string, columns: T): Promise<Writers<T>> {
  const entries = await Promise.all(
    Object.entries(columns).map(async ([name, list]) => [name, await CopyWriter.open(url, name, list)] as const),
  )
  return Object.fromEntries(entries) as Writers<T>
}

/** Waits only when a server has fallen behind; checked once per household or incident, not per row. */
async function keepPace(writers: readonly CopyWriter[]): Promise<void> {
  for (const writer of writers) if (writer.behind) await writer.drained()
}

interface HouseholdMember {
  id: string
  fullName: string
  birthYear: number
  sex: Sex
  relationship: string
}

function caregiver(person: HouseholdMember, relationship: string) {
  return { name: person.fullName, relationship, householdMemberId: person.id }
}

interface Context {
  seed: number
  referenceDate: string
  referenceDay: number
  geography: Geography
}

/** Households and their children, with circumstances, care and cards, streamed into five tables at once. */
async function writeRegistry(
  url: string,
  context: Context,
  childCount: number,
): Promise<{ registry: Registry; loads: Awaited<ReturnType<CopyWriter['close']>>[]; households: number }> {
  const { seed, referenceDate, referenceDay, geography } = context
  const writers = await openWriters(url, registryColumns)
  const writerList = Object.values(writers)
  const registry: Registry = {
    count: childCount,
    ward: new Uint8Array(childCount),
    group: new Uint16Array(childCount),
    sex: new Uint8Array(childCount),
    birthDay: new Int32Array(childCount),
  }
  const personalIdNumbers = personalIds(seed)
  const ids = new RecordIds(seed)
  const oldestBirthDay = firstBirthDayOfAChild(referenceDate)
  const birthSpan = referenceDay - oldestBirthDay + 1
  const registryStartDay = dayOf(registryStartDate)
  let child = 0
  let household = 0
  try {
    while (child < childCount) {
      const random = Random.for(seed, 'household', household)
      const householdId = ids.next('household')
      const wardIndex = random.choose(geography.wardTable)
      const groupIndex = random.choose(geography.groupTables[wardIndex]!)
      const wardCode = geography.wardCodes[wardIndex]!
      const groupCode = geography.groupCodes[groupIndex]!
      const street = `Số ${random.between(1, 180)}, ngõ ${random.between(1, 420)} ${random.pick(streets)}`
      const structure = random.choose(householdStructures)
      const fatherFamily = familyName(random)
      const motherFamily = familyName(random)
      const childFamily = structure === 'single_mother' && random.chance(0.3) ? motherFamily : fatherFamily
      const ethnicity = random.chance(0.976) ? '01' : random.choose(ethnicityTail)
      const roll = random.next()
      const poverty = roll < 0.03 ? 'poor' : roll < 0.07 ? 'near_poor' : 'none'
      const size = Math.min(random.choose(childrenPerHousehold), childCount - child)

      // The children first: the parents' ages and the household's creation follow from theirs.
      const births: number[] = []
      for (let k = 0; k < size; k++) births.push(oldestBirthDay + random.int(birthSpan))
      const oldestYear = Number(dateOf(Math.min(...births)).slice(0, 4))
      const motherYear = oldestYear - random.between(20, 36)
      const fatherYear = motherYear - random.between(0, 6)
      const father: HouseholdMember = {
        id: ids.next('household_member'),
        fullName: adultName(random, fatherFamily, 'male'),
        birthYear: fatherYear,
        sex: 'male',
        relationship: 'head',
      }
      const mother: HouseholdMember = {
        id: ids.next('household_member'),
        fullName: adultName(random, motherFamily, 'female'),
        birthYear: motherYear,
        sex: 'female',
        relationship: 'spouse',
      }
      let members: HouseholdMember[]
      let caregivers: ReturnType<typeof caregiver>[]
      if (structure === 'couple') {
        members = [father, mother]
        caregivers = [caregiver(father, 'father'), caregiver(mother, 'mother')]
      } else if (structure === 'three_generations') {
        const grandfatherYear = fatherYear - random.between(22, 32)
        const grandfather: HouseholdMember = {
          id: ids.next('household_member'),
          fullName: adultName(random, fatherFamily, 'male'),
          birthYear: grandfatherYear,
          sex: 'male',
          relationship: 'head',
        }
        const grandmother: HouseholdMember = {
          id: ids.next('household_member'),
          fullName: adultName(random, familyName(random), 'female'),
          birthYear: grandfatherYear + random.between(0, 5),
          sex: 'female',
          relationship: 'spouse',
        }
        members = [
          grandfather,
          ...(random.chance(0.8) ? [grandmother] : []),
          { ...father, relationship: 'child' },
          { ...mother, relationship: 'daughter_in_law' },
        ]
        caregivers = [caregiver(father, 'father'), caregiver(mother, 'mother'), caregiver(grandfather, 'grandparent')]
      } else if (structure === 'single_mother') {
        members = [{ ...mother, relationship: 'head' }]
        caregivers = [caregiver(mother, 'mother')]
      } else {
        members = [father]
        caregivers = [caregiver(father, 'father')]
      }
      const head = members[0]!
      // Every child of the household carries the same caregivers: serialise them once.
      const caregiversJson = JSON.stringify(caregivers)
      let householdCreated = Number.POSITIVE_INFINITY

      for (const birthDay of births) {
        const index = child++
        const c = Random.for(seed, 'child', index)
        const childId = recordId(seed, 'child', index)
        const sex: Sex = c.chance(0.51) ? 'male' : 'female'
        const dateOfBirth = dateOf(birthDay)
        const birthYear = Number(dateOfBirth.slice(0, 4))
        const yearOnly =
          c.chance(0.03) && `${birthYear}-07-01` <= referenceDate && dayOf(`${birthYear}-07-01`) >= oldestBirthDay
        const effectiveBirth = yearOnly ? `${birthYear}-07-01` : dateOfBirth
        const age = ageInYears(effectiveBirth, referenceDate)
        registry.ward[index] = wardIndex
        registry.group[index] = groupIndex
        registry.sex[index] = sex === 'male' ? 0 : 1
        registry.birthDay[index] = dayOf(effectiveBirth)

        let personalId: string | null = null
        if (c.chance(yearOnly ? 0.1 : 0.7)) {
          // A few IDs were copied next to a wrong birth year: the API warns about these, it does not refuse them.
          const encodedYear = c.chance(0.002) ? birthYear + (c.chance(0.5) ? 1 : -1) : birthYear
          personalId = personalIdNumbers.next(encodedYear, sex)
        }
        const birthRegistered = yearOnly ? c.chance(0.4) : c.chance(0.995) ? c.chance(0.99) : null

        // Special circumstances: about 3% in a group (a few in two), about 1% at risk.
        const memberships: { kind: 'group' | 'risk'; group: string | null; risk: string | null }[] = []
        if (c.chance(0.03)) {
          for (let attempt = 0; attempt < 10 && memberships.length === 0; attempt++) {
            const group = c.choose(circumstanceGroupWeights)
            if (age < (groupMinimumAge[group] ?? 0)) continue
            if (group === 'n' && poverty === 'none') continue
            memberships.push({ kind: 'group', group, risk: null })
          }
          if (memberships.length === 0) memberships.push({ kind: 'group', group: 'd', risk: null })
          if (c.chance(0.1)) {
            const second = c.choose(circumstanceGroupWeights)
            if (second !== memberships[0]!.group && age >= (groupMinimumAge[second] ?? 0) && second !== 'n') {
              memberships.push({ kind: 'group', group: second, risk: null })
            }
          }
        }
        if (c.chance(0.01)) {
          const [group, risk] = c.choose(risks)
          memberships.push({ kind: 'risk', group, risk })
        }
        const disabled = memberships.some((m) => m.group === 'd')

        const createdDay = Math.max(
          birthDay,
          Math.min(
            referenceDay - 1,
            Math.max(birthDay + c.between(7, 60), registryStartDay + c.int(referenceDay - registryStartDay)),
          ),
        )
        const created = officeHour(c, createdDay)
        const updated = c.chance(0.25)
          ? Math.max(created, officeHour(c, createdDay + c.int(Math.max(1, referenceDay - createdDay))))
          : created
        householdCreated = Math.min(householdCreated, created)
        const statusRoll = c.next()
        const status = statusRoll < 0.006 ? 'moved_out' : statusRoll < 0.0062 ? 'deceased' : 'active'
        const statusDate = status === 'active' ? null : dateOf(Math.max(createdDay, referenceDay - 1 - c.int(700)))
        const movedTo =
          status === 'moved_out'
            ? c.pick([
                'Quận Hai Bà Trưng, Hà Nội',
                'Huyện Thanh Trì, Hà Nội',
                'Quận Đống Đa, Hà Nội',
                'Tỉnh Nam Định',
                'Tỉnh Thái Bình',
              ])
            : null

        writers.children.write([
          childId,
          provinceCode,
          wardCode,
          groupCode,
          street,
          householdId,
          structure === 'three_generations' ? 'grandchild' : 'child',
          childName(c, childFamily, sex),
          yearOnly ? null : dateOfBirth,
          birthYear,
          yearOnly ? 'year' : 'exact',
          sex,
          ethnicity,
          personalId,
          birthRegistered,
          schoolingStatus(c, age),
          disabled,
          disabled ? 'Khuyết tật (dữ liệu giả lập)' : null,
          null,
          caregiversJson,
          status,
          statusDate,
          movedTo,
          1,
          instant(created),
          instant(updated),
          actorId,
          actorId,
        ])

        // Memberships start after birth, within the last six years, and never after the reference date.
        const earliestStartDay = Math.min(referenceDay, Math.max(birthDay + 30, referenceDay - 6 * 365))
        let cared = false
        for (const membership of memberships) {
          const startDay = earliestStartDay + c.int(referenceDay - earliestStartDay + 1)
          const ended = startDay < referenceDay - 1 && c.chance(0.12)
          const endDay = ended ? startDay + 1 + c.int(referenceDay - startDay - 1) : null
          const subGroup =
            membership.group && membership.kind === 'group' && subGroups[membership.group]
              ? c.pick(subGroups[membership.group]!)
              : null
          const stamp = instant(officeHour(c, startDay))
          writers.child_circumstances.write([
            ids.next('child_circumstance'),
            childId,
            provinceCode,
            wardCode,
            groupCode,
            membership.kind,
            membership.group,
            subGroup,
            membership.risk,
            dateOf(startDay),
            endDay === null ? null : dateOf(endDay),
            endDay === null ? null : c.pick(groupEndReasons),
            null,
            1,
            stamp,
            actorId,
            stamp,
          ])
          // The plan's target is that at least 90% of these children are cared for in some form.
          if (cared || !c.chance(0.9)) continue
          cared = true
          const options = careByGroup[membership.kind === 'risk' ? 'risk' : membership.group!]!
          const records = c.chance(0.35) ? 2 : 1
          for (let r = 0; r < records; r++) {
            const kind = c.pick(options)
            const careStartDay = startDay + c.int(Math.max(1, Math.min(120, referenceDay - startDay)))
            const careStart = dateOf(careStartDay)
            const amount =
              kind === 'allowance'
                ? monthlyAllowanceVnd(effectiveBirth, careStart < '2021-07-01' ? '2021-07-01' : careStart)
                : kind === 'education_support'
                  ? c.between(10, 30) * 10_000
                  : null
            const careStamp = instant(officeHour(c, careStartDay))
            writers.care_records.write([
              ids.next('care_record'),
              childId,
              provinceCode,
              wardCode,
              groupCode,
              kind,
              providerByCare[kind] ?? null,
              careStart,
              endDay === null ? null : dateOf(Math.max(careStartDay, endDay)),
              amount,
              null,
              1,
              careStamp,
              actorId,
              careStamp,
            ])
          }
        }

        // Free health insurance under 6 (Decree 146): about 95% hold a card, valid from birth.
        if (age < 6 && c.chance(0.95)) {
          const issuedDay = Math.max(birthDay, Math.min(referenceDay - 1, birthDay + c.between(5, 60)))
          const serial = String((index * 2_654_435_761 + seed) % 10_000_000_000).padStart(10, '0')
          writers.health_insurance_cards.write([
            ids.next('health_insurance_card'),
            childId,
            provinceCode,
            wardCode,
            groupCode,
            `TE101${serial}`,
            dateOf(issuedDay),
            effectiveBirth,
            defaultBhytExpiry(effectiveBirth),
            instant(officeHour(c, issuedDay)),
            actorId,
          ])
        }
      }

      const povertyFrom = poverty === 'none' ? null : `${Number(referenceDate.slice(0, 4)) - random.int(3)}-01-01`
      writers.households.write([
        householdId,
        provinceCode,
        wardCode,
        groupCode,
        street,
        head.fullName,
        poverty,
        povertyFrom,
        null,
        members,
        1,
        instant(householdCreated),
        instant(householdCreated),
        actorId,
        actorId,
      ])
      household++
      await keepPace(writerList)
    }
  } catch (error) {
    await Promise.all(writerList.map((writer) => writer.abort()))
    throw error
  }
  const loads = await Promise.all(writerList.map((writer) => writer.close()))
  return { registry, loads, households: household }
}

/** Children of each ward, to pick the children involved in an incident from the same ward. */
function childrenByWard(registry: Registry, wardCount: number): Int32Array[] {
  const counts = new Array<number>(wardCount).fill(0)
  for (let i = 0; i < registry.count; i++) counts[registry.ward[i]!]!++
  const lists = counts.map((count) => new Int32Array(count))
  const filled = new Array<number>(wardCount).fill(0)
  for (let i = 0; i < registry.count; i++) {
    const ward = registry.ward[i]!
    lists[ward]![filled[ward]!++] = i
  }
  return lists
}

/** How long after the previous step a step is recorded; most cases keep to the deadlines, some do not. */
function stepGap(random: Random, step: CaseStep, emergency: boolean): number {
  switch (step) {
    case 'receipt':
      return 0
    case 'initial_assessment':
      // A child at serious risk is assessed within hours so that protection can follow inside the 12 hours.
      return (
        (emergency
          ? random.between(15, 180)
          : random.chance(0.9)
            ? random.between(30, 660)
            : random.between(720, 2880)) * minuteMs
      )
    case 'emergency_protection':
      return random.between(30, 600) * minuteMs
    case 'specific_assessment':
    case 'support_plan':
      return random.between(1, 4) * dayMs + random.int(8) * hourMs
    case 'plan_approval':
      return random.between(1, 3) * dayMs + random.int(8) * hourMs
    case 'implementation':
      return random.between(0, 3) * dayMs + random.between(1, 8) * hourMs
    case 'monitoring':
      return random.between(7, 30) * dayMs
    case 'closure':
      return random.between(3, 60) * dayMs
  }
}

/** The Decree 56 steps recorded for a case, driven by allowedNextSteps so every history is one the API could produce. */
function caseHistory(
  random: Random,
  kind: IncidentKind,
  emergency: boolean,
  receivedAt: number,
  cutoff: number,
): { step: CaseStep; at: number }[] {
  const done: { step: CaseStep; at: number }[] = []
  let at = receivedAt
  let monitoring = 0
  for (;;) {
    const allowed = allowedNextSteps(
      done.map((d) => d.step),
      emergency,
    )
    if (allowed.length === 0) break
    let step: CaseStep
    if (allowed.length === 1) step = allowed[0]!
    else if (allowed.includes('specific_assessment'))
      step = random.chance(injuryKinds.has(kind) || kind === 'other_rights_violation' ? 0.65 : 0.12)
        ? 'closure'
        : 'specific_assessment'
    else step = monitoring < 4 && random.chance(0.45) ? 'monitoring' : 'closure'
    if (step === 'monitoring') monitoring++
    at += stepGap(random, step, emergency)
    if (at > cutoff) break
    done.push({ step, at })
    // Some cases stop being written up part-way: they stay open with the steps so far.
    if (step !== 'closure' && random.chance(0.03)) break
  }
  return done
}

async function writeIncidents(
  url: string,
  context: Context,
  registry: Registry,
  incidentCount: number,
  calendar: WorkingCalendar,
): Promise<Awaited<ReturnType<CopyWriter['close']>>[]> {
  const { seed, referenceDate, geography } = context
  const cutoff = startOfLocalDay(referenceDate).getTime()
  const windowMs = 3 * 365 * dayMs
  const byWard = childrenByWard(registry, geography.wardCodes.length)
  const writers = await openWriters(url, incidentColumns)
  const writerList = Object.values(writers)
  const ids = new RecordIds(seed)
  try {
    for (let index = 0; index < incidentCount; index++) {
      const random = Random.for(seed, 'incident', index)
      const incidentId = recordId(seed, 'incident', index)
      const kind = random.choose(incidentKindWeights)
      const precision = random.choose(precisionWeights)
      const happened = cutoff - 2 * hourMs - random.int(windowMs / minuteMs) * minuteMs
      const occurredAt =
        precision === 'day'
          ? startOfLocalDay(localDateOf(new Date(happened))).getTime()
          : precision === 'approximate'
            ? happened - (happened % hourMs)
            : happened
      const delayRoll = random.next()
      const delay =
        delayRoll < 0.6
          ? random.int(360) * minuteMs
          : delayRoll < 0.85
            ? random.between(6, 48) * hourMs
            : delayRoll < 0.95
              ? random.between(2, 14) * dayMs
              : random.between(15, 90) * dayMs
      const detectedAt = Math.max(occurredAt, Math.min(happened + delay, cutoff - hourMs))
      const phoneAt = random.chance(0.75)
        ? Math.min(detectedAt + random.between(5, 120) * minuteMs, cutoff - minuteMs)
        : null
      const receivedAt = phoneAt ?? Math.min(detectedAt + random.between(10, 240) * minuteMs, cutoff - minuteMs)
      const emergency = random.chance(emergencyShare[kind] ?? 0.03)
      const deadline = writtenReportDeadline({
        occurredAt: new Date(occurredAt),
        occurredAtPrecision: precision,
        detectedAt: new Date(detectedAt),
      })
      const dueAt = deadline.dueAt.getTime()
      let submittedAt: number | null = null
      let lateReason: string | null = null
      if (dueAt > cutoff) {
        if (random.chance(0.4)) submittedAt = detectedAt + random.int(Math.max(1, cutoff - detectedAt))
      } else {
        const roll = random.next()
        if (roll < 0.82) submittedAt = Math.min(dueAt, detectedAt + random.between(10, 1200) * minuteMs)
        else if (roll < 0.95 && dueAt + hourMs < cutoff) {
          submittedAt = Math.min(cutoff - minuteMs, dueAt + random.between(60, 7200) * minuteMs)
          lateReason = random.pick([
            'Cán bộ đi công tác',
            'Chờ xác minh thông tin từ gia đình',
            'Sự việc phát hiện vào ngày nghỉ',
          ])
        }
      }

      // The children involved: usually one, sometimes two, of the ward; a few not in the registry.
      const wardIndex = registry.ward[Math.floor(random.next() * registry.count)]!
      const wardCode = geography.wardCodes[wardIndex]!
      const candidates = byWard[wardIndex]!
      const involved: { childIndex: number | null; age: number; sex: Sex }[] = []
      const occurredDate = localDateOf(new Date(occurredAt))
      const occurredDay = dayOf(occurredDate)
      const count = random.chance(0.15) ? 2 : 1
      for (let k = 0; k < count; k++) {
        if (random.chance(0.04)) {
          involved.push({ childIndex: null, age: random.between(3, 15), sex: random.chance(0.5) ? 'male' : 'female' })
          continue
        }
        for (let attempt = 0; attempt < 30; attempt++) {
          const candidate = candidates[random.int(candidates.length)]!
          const birthDay = registry.birthDay[candidate]!
          if (birthDay > occurredDay - 30 || involved.some((i) => i.childIndex === candidate)) continue
          const age = ageInYears(dateOf(birthDay), occurredDate)
          if (age >= 16) continue
          involved.push({ childIndex: candidate, age, sex: registry.sex[candidate] === 0 ? 'male' : 'female' })
          break
        }
      }
      if (involved.length === 0)
        involved.push({ childIndex: null, age: random.between(3, 15), sex: random.chance(0.5) ? 'male' : 'female' })
      const firstRegistered = involved.find((i) => i.childIndex !== null)
      const groupCode =
        firstRegistered?.childIndex != null
          ? geography.groupCodes[registry.group[firstRegistered.childIndex]!]!
          : geography.groupCodes[random.pick(geography.groupsOfWard[wardIndex]!)]!

      const steps = random.chance(0.85) ? caseHistory(random, kind, emergency, receivedAt, cutoff) : []
      const closure = steps.find((s) => s.step === 'closure')
      const closedAt = closure
        ? closure.at
        : steps.length === 0 && receivedAt < cutoff - 60 * dayMs
          ? receivedAt + random.between(5, 45) * dayMs
          : null
      const lastChange = Math.max(receivedAt, submittedAt ?? 0, closedAt ?? 0, ...steps.map((s) => s.at))
      const officer = `officer-${wardCode}`

      writers.incidents.write([
        incidentId,
        provinceCode,
        wardCode,
        groupCode,
        kind,
        kind === 'sexual_abuse' ? random.choose(sexualAbuseSubKinds) : null,
        instant(occurredAt),
        precision,
        instant(detectedAt),
        random.choose(channelWeights),
        phoneAt === null ? null : instant(phoneAt),
        emergency,
        narratives[kind],
        injuryKinds.has(kind) ? null : random.choose(perpetrators),
        injuryKinds.has(kind)
          ? random.chance(kind === 'drowning' ? 0.25 : 0.03)
            ? 'death'
            : random.chance(0.2)
              ? 'hospitalised'
              : 'treated'
          : null,
        instant(dueAt),
        deadline.basis,
        writtenReportKinds.includes(kind),
        submittedAt === null ? null : instant(submittedAt),
        lateReason,
        submittedAt === null ? null : officer,
        instant(receivedAt),
        closedAt === null ? 'open' : 'closed',
        closedAt === null ? null : instant(closedAt),
        closedAt === null ? null : closure ? random.choose(closureReasons) : 'resolved',
        1,
        instant(receivedAt),
        instant(lastChange),
        officer,
        officer,
      ])
      for (const child of involved) {
        const registered = child.childIndex !== null
        writers.incident_children.write([
          ids.next('incident_child'),
          incidentId,
          provinceCode,
          wardCode,
          registered ? geography.groupCodes[registry.group[child.childIndex!]!]! : null,
          registered ? recordId(seed, 'child', child.childIndex!) : null,
          registered ? null : { estimatedAgeYears: child.age, sex: child.sex },
          child.sex,
          child.age,
          instant(receivedAt),
        ])
      }
      for (const { step, at } of steps) {
        const due = stepDeadline(step, new Date(receivedAt), calendar, caseStepRules)
        writers.incident_steps.write([
          ids.next('incident_step'),
          incidentId,
          provinceCode,
          wardCode,
          groupCode,
          step,
          instant(at),
          due ? instant(due.getTime()) : null,
          null,
          officer,
          'Cán bộ phường (giả lập)',
          instant(at),
        ])
      }
      await keepPace(writerList)
    }
  } catch (error) {
    await Promise.all(writerList.map((writer) => writer.abort()))
    throw error
  }
  return Promise.all(writerList.map((writer) => writer.close()))
}

const bulkTables = [...Object.keys(registryColumns), ...Object.keys(incidentColumns)]

export async function generate(options: GenerateOptions): Promise<GeneratedSummary> {
  const log = options.log ?? (() => undefined)
  const childCount = options.children ?? 1_000_000
  const incidentCount = options.incidents ?? Math.round(childCount / 10)
  const seed = options.seed ?? 1
  const referenceDate = options.referenceDate ?? '2024-06-15'
  if (!/^\d{4}-\d{2}-\d{2}$/.test(referenceDate) || Number.isNaN(Date.parse(referenceDate)))
    throw new Error(`referenceDate must be YYYY-MM-DD: ${referenceDate}`)
  if (!Number.isInteger(childCount) || childCount < 100) throw new Error('children must be an integer of at least 100')
  if (!Number.isInteger(incidentCount) || incidentCount < 0) throw new Error('incidents must be a non-negative integer')
  const target = new URL(options.url)
  const name = decodeURIComponent(target.pathname.replace(/^\//, ''))
  const phases: { phase: string; seconds: number }[] = []
  const started = performance.now()
  const cpuAtStart = process.cpuUsage()
  let mark = started
  const phase = (label: string) => {
    const now = performance.now()
    phases.push({ phase: label, seconds: (now - mark) / 1000 })
    log(`${label}: ${((now - mark) / 1000).toFixed(1)} s`)
    mark = now
  }

  const url = await recreateDatabase(databaseUrl(options.url, 'postgres'), name)
  phase(`database ${name} created, migrated and seeded`)

  const geography = buildGeography(seed)
  const context: Context = { seed, referenceDate, referenceDay: dayOf(referenceDate), geography }
  const owner = new pg.Client({ connectionString: url, application_name: 'cps-bench-generate' })
  await owner.connect()
  let suspended
  try {
    await owner.query(
      `insert into units (code, official_code, name_vi, name_en, level, parent_code, province_code, valid_from, valid_to, confirmed, source, created_at, updated_at)
       select code, null, name_vi, name_en, 'residential_group', parent_code, $1, '2004-01-01', null, true, 'admin', $2, $2
         from unnest($3::text[], $4::text[], $5::text[], $6::text[]) as g(code, name_vi, name_en, parent_code)`,
      [
        provinceCode,
        instant(startOfLocalDay(registryStartDate).getTime()),
        geography.groupCodes,
        geography.groupCodes.map((code) => `Tổ dân phố ${Number(code.slice(-2))}`),
        geography.groupCodes.map((code) => `Residential group ${Number(code.slice(-2))}`),
        geography.groupWard.map((ward) => geography.wardCodes[ward]!),
      ],
    )
    suspended = await suspendConstraints(owner, bulkTables)
  } finally {
    await owner.end()
  }
  phase(
    `${geography.groupCodes.length} residential groups added; ${suspended.keys.length + suspended.indexes.length} indexes and ${suspended.foreignKeys.length} foreign keys set aside for the load`,
  )

  const { registry, loads: registryLoads, households } = await writeRegistry(url, context, childCount)
  phase(
    `registry loaded (${households.toLocaleString('en-US')} households, ${childCount.toLocaleString('en-US')} children)`,
  )

  // Before the registry's indexes are back: writing each child's coverage then updates no index, and with
  // triggers off (as in the load) it appends no deltas to the tallies it then rebuilds.
  const tallies = new pg.Client({ connectionString: url, application_name: 'cps-bench-generate' })
  await tallies.connect()
  await tallies
    .query('set session_replication_role = replica')
    .then(() => tallies.query('select cps_rebuild_registry_tallies()'))
    // The statement trigger that keeps the syllables in use was off too.
    .then(() => tallies.query('insert into name_syllables select distinct unnest(name_syllables) from children'))
    .finally(() => tallies.end())
  phase(
    'registry tallies rebuilt (coverage of every child, counts by ward, sex, birth date and coverage); syllables in use listed',
  )

  // The registry's indexes (the trigram index on names above all) build on one session while the
  // incidents load: generating incidents leaves the server a core to spare.
  const rows: Record<string, number> = {}
  const estimatedRows = (tableName: string) => rows[tableName] ?? 0
  for (const load of registryLoads) rows[load.table] = load.rows
  const maintenance = new MaintenanceQueue(url)
  maintenance.add(keysAndIndexes(suspended, Object.keys(registryColumns), estimatedRows))
  maintenance.run(1)
  const database = await openDatabase({ url, dataDir: '', poolMax: 1, statementTimeoutMs: 0 })
  const calendar = await loadWorkingCalendar(database.db).finally(() => database.close())
  const incidentLoads = await writeIncidents(url, context, registry, incidentCount, calendar)
  phase(`incidents loaded (${incidentCount.toLocaleString('en-US')}) while the registry's indexes were building`)

  for (const load of incidentLoads) rows[load.table] = load.rows
  maintenance.add(keysAndIndexes(suspended, Object.keys(incidentColumns), estimatedRows))
  maintenance.run(2)
  await maintenance.idle()
  maintenance.add(foreignKeys(suspended, estimatedRows))
  maintenance.run(2)
  await maintenance.idle()
  phase(`${maintenance.timings.length} keys, indexes and foreign keys rebuilt`)
  for (const { statement, seconds } of maintenance.timings
    .filter((t) => t.seconds >= 2)
    .sort((a, b) => b.seconds - a.seconds)) {
    log(`  ${seconds.toFixed(1)} s  ${statement.replace(/\s+/g, ' ').slice(0, 110)}`)
  }

  const statistics = new MaintenanceQueue(url)
  // children: vacuumed too, as autovacuum soon would, of the versions the tallies' rebuild replaced.
  statistics.add(
    ['units', 'registry_tallies', ...bulkTables].map((tableName) => ({
      sql: `${tableName === 'children' ? 'vacuum analyze' : 'analyze'} ${tableName}`,
      weight: estimatedRows(tableName),
    })),
  )
  statistics.run(2)
  await statistics.idle()
  phase('statistics gathered (analyze; children vacuumed)')

  const loads = [...registryLoads, ...incidentLoads]
  const totalSeconds = (performance.now() - started) / 1000
  const cpu = process.cpuUsage(cpuAtStart)
  const generatorCpu = (cpu.user + cpu.system) / 1e6
  const serverCpu = [
    ...loads.map((load) => load.serverCpuSeconds),
    maintenance.serverCpuSeconds,
    statistics.serverCpuSeconds,
  ].reduce<number | null>((sum, seconds) => (sum === null || seconds === null ? null : sum + seconds), 0)
  const wards: WardSummary[] = geography.wardCodes.map((code, wardIndex) => ({
    code,
    children: 0,
    residentialGroups: geography.groupsOfWard[wardIndex]!.map((g) => geography.groupCodes[g]!),
    sampleChildIds: [],
  }))
  for (let i = 0; i < registry.count; i++) {
    const ward = wards[registry.ward[i]!]!
    ward.children++
    if (ward.sampleChildIds.length < 200) ward.sampleChildIds.push(recordId(seed, 'child', i))
  }
  log(
    table(
      ['table', 'rows', 'rows/s while its pass ran (tables load side by side)'],
      loads.map((load) => [load.table, load.rows.toLocaleString('en-US'), formatRate(load.rows, load.seconds)]),
    ),
  )
  const totalRows = loads.reduce((sum, load) => sum + load.rows, 0)
  log(
    `total: ${totalRows.toLocaleString('en-US')} rows in ${totalSeconds.toFixed(1)} s (${formatRate(totalRows, totalSeconds)} end to end, indexes included)`,
  )
  log(
    `CPU: generator ${generatorCpu.toFixed(1)} s` +
      (serverCpu === null
        ? ''
        : `, PostgreSQL ${serverCpu.toFixed(1)} s (COPY ${loads.reduce((sum, load) => sum + (load.serverCpuSeconds ?? 0), 0).toFixed(1)} s, indexes and keys ${maintenance.serverCpuSeconds!.toFixed(1)} s, analyze ${statistics.serverCpuSeconds!.toFixed(1)} s)`) +
      `; load average ${loadavg()
        .map((n) => n.toFixed(1))
        .join(' ')}`,
  )
  return {
    url,
    seed,
    referenceDate,
    districtCode,
    wards,
    rows,
    loads,
    phases,
    totalSeconds,
    cpuSeconds: { generator: generatorCpu, server: serverCpu },
  }
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2), {
    children: 'number',
    incidents: 'number',
    seed: 'number',
    database: 'string',
    url: 'string',
    'reference-date': 'string',
  })
  const database = options.database ?? 'cps_bench'
  const summary = await generate({
    url: databaseUrl(options.url ?? defaultServerUrl, database),
    children: options.children,
    incidents: options.incidents,
    seed: options.seed,
    referenceDate: options['reference-date'],
    log: (line) => console.log(line),
  })
  console.log(`rows: ${JSON.stringify(summary.rows)}`)
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((error: unknown) => {
    console.error(error)
    process.exit(1)
  })
}
