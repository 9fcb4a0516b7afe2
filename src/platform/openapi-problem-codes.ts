/**
 * The problem codes in the contract, from openapi/problem-codes.json: each operation's own codes in its
 * `x-problem-codes` (status → codes) and in the descriptions of its error responses, and the common ones
 * once, in the document's `x-common-problem-codes` and the API description; an operation names the common
 * groups it answers from in its own `x-common-problem-codes`. A status the operation has codes for is
 * among its responses.
 */
import { STATUS_CODES } from 'node:http'
import {
  commonCodes,
  commonGroups,
  type CodesByStatus,
  type CommonGroup,
  type ProblemCodeDeclaration,
} from './problem-codes.js'
import { problemResponses } from './schemas.js'

const quoted = (codes: readonly string[]) => codes.map((code) => `\`${code}\``).join(', ')

/** The responses with a problem response added for each status the operation has codes for and does not declare. */
export function withProblemCodeResponses(
  responses: Record<string, unknown>,
  own: CodesByStatus,
): Record<string, unknown> {
  const missing = Object.keys(own).filter((status) => !(status in responses))
  return { ...problemResponses(...missing.map(Number)), ...responses }
}

/** Each error response's description, followed by the codes it may carry: the operation's own, then the common ones. */
export function describeProblemCodes(
  responses: Record<string, unknown>,
  own: CodesByStatus,
  common: CodesByStatus,
): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(responses).map(([status, response]) => {
      const ownCodes = own[status] ?? []
      const commonCodesOfStatus = common[status] ?? []
      if (Number(status) < 400 || ownCodes.length + commonCodesOfStatus.length === 0) return [status, response]
      const given = response as { description?: string }
      const base = (given.description ?? STATUS_CODES[Number(status)] ?? 'Error').replace(/\.$/, '')
      const sentences = [
        ...(ownCodes.length > 0 ? [`Problem codes: ${quoted(ownCodes)}.`] : []),
        ...(commonCodesOfStatus.length > 0
          ? [`Codes common to other operations: ${quoted(commonCodesOfStatus)}.`]
          : []),
      ]
      return [status, { ...given, description: `${base}. ${sentences.join(' ')}` }]
    }),
  )
}

/** The common groups and their codes, as the document lists them once. */
export function commonProblemCodes(declaration: ProblemCodeDeclaration) {
  return Object.fromEntries(
    (Object.entries(commonGroups) as [CommonGroup, string][]).map(([group, appliesTo]) => [
      group,
      { appliesTo, codes: commonCodes(declaration, [group]) },
    ]),
  )
}

/** The API description's paragraph on problem codes, with the common ones listed. */
export function problemCodesDescription(declaration: ProblemCodeDeclaration): string {
  const groups = Object.entries(commonProblemCodes(declaration)).map(([group, { appliesTo, codes }]) => {
    const listed = Object.entries(codes)
      .map(([status, list]) => `${status} ${quoted(list)}`)
      .join('; ')
    return `- \`${group}\`, ${appliesTo}: ${listed}`
  })
  return [
    'Errors are RFC 9457 problem details (application/problem+json) with a stable `code`: switch on it, and treat a ' +
      'code you do not know by its status. Each operation lists its own codes by status in `x-problem-codes` and in ' +
      'the descriptions of its error responses, and names in `x-common-problem-codes` the groups below it also ' +
      'answers from; the document lists these groups once, in its own `x-common-problem-codes`.',
    groups.join('\n'),
  ].join('\n\n')
}
