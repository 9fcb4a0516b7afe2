/**
 * The residential-group mapping an administrator loads: which successor (a residential group of a new
 * ward, or a new ward) each group of an abolished ward went to. Pure: parsing and checking take the tree.
 */
import type { FieldError } from '../../platform/problem.js'
import type { UnitNode } from '../../platform/scope.js'
import { successorsOf } from '../units/tree.js'

export interface MappingEntry {
  residentialGroupCode: string
  successorCode: string
  confirmed: boolean
  /** The CSV line it came from, for problems an administrator can find in the file. */
  line?: number
}

const codePattern = /^[A-Za-z0-9._-]{1,64}$/
const csvHeader = ['residentialGroupCode', 'successorCode']

/** Parses the CSV form: a header `residentialGroupCode,successorCode[,confirmed]`, then one line per group. */
export function parseMappingCsv(text: string): { entries: MappingEntry[]; problems: FieldError[] } {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/)
  const header = (lines[0] ?? '').split(',').map((cell) => cell.trim())
  const problems: FieldError[] = []
  const entries: MappingEntry[] = []
  const hasConfirmed = header[2] === 'confirmed'
  if (header[0] !== csvHeader[0] || header[1] !== csvHeader[1] || header.length > (hasConfirmed ? 3 : 2)) {
    return {
      entries,
      problems: [
        {
          location: 'body',
          pointer: '/line/1',
          message: 'the header must be residentialGroupCode,successorCode[,confirmed]',
          code: 'invalid_header',
        },
      ],
    }
  }
  for (const [index, line] of lines.entries()) {
    if (index === 0 || line.trim() === '') continue
    const cells = line.split(',').map((cell) => cell.trim())
    const pointer = `/line/${index + 1}`
    const [group = '', successor = '', confirmed = 'true'] = cells
    if (cells.length !== header.length || !codePattern.test(group) || !codePattern.test(successor)) {
      problems.push({ location: 'body', pointer, message: 'is not two unit codes', code: 'invalid_line' })
      continue
    }
    if (confirmed !== 'true' && confirmed !== 'false') {
      problems.push({ location: 'body', pointer, message: 'confirmed must be true or false', code: 'invalid_line' })
      continue
    }
    entries.push({
      residentialGroupCode: group,
      successorCode: successor,
      confirmed: confirmed === 'true',
      line: index + 1,
    })
  }
  return { entries, problems }
}

/**
 * What is wrong with a mapping: each group must be a residential group of an abolished ward, named once;
 * its successor a group or ward existing after it, and (where the ward's successors are known) under one
 * of them.
 */
export function mappingProblems(tree: readonly UnitNode[], entries: readonly MappingEntry[]): FieldError[] {
  const byCode = new Map(tree.map((unit) => [unit.code, unit]))
  const problems: FieldError[] = []
  const seen = new Set<string>()
  for (const [index, entry] of entries.entries()) {
    const at = (field: string, message: string, code: string) =>
      problems.push({
        location: 'body',
        pointer: entry.line ? `/line/${entry.line}` : `/entries/${index}/${field}`,
        message: entry.line ? `${field} ${message}` : message,
        code,
      })
    const group = byCode.get(entry.residentialGroupCode)
    const ward = group?.parentCode ? byCode.get(group.parentCode) : undefined
    if (seen.has(entry.residentialGroupCode)) {
      at('residentialGroupCode', 'is named twice', 'duplicate_group')
      continue
    }
    seen.add(entry.residentialGroupCode)
    if (group?.level !== 'residential_group' || !ward?.validTo) {
      at('residentialGroupCode', 'is not a residential group of an abolished ward', 'not_an_abolished_group')
      continue
    }
    const successor = byCode.get(entry.successorCode)
    const successorWard =
      successor?.level === 'ward'
        ? successor.code
        : successor?.level === 'residential_group'
          ? (successor.parentCode ?? undefined)
          : undefined
    if (!successor || !successorWard || (successor.validTo && successor.validTo <= ward.validTo)) {
      at('successorCode', 'is not a ward or residential group existing after the reorganisation', 'invalid_successor')
      continue
    }
    const wardSuccessors = successorsOf(tree, ward.code)
    if (wardSuccessors.length > 0 && !wardSuccessors.includes(successorWard)) {
      at('successorCode', `is not under a successor of ${ward.code} (${wardSuccessors.join(', ')})`, 'not_a_successor')
    }
  }
  return problems
}
