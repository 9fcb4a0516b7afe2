/**
 * Publication of indicator figures to the caller: small cells withheld from machine clients (city
 * systems), with the cells they could be recovered from.
 */
import type { Principal } from '../../platform/auth.js'
import type { Dimension } from './measures.js'
import type { IndicatorDefinition } from './repository.js'
import { protectedCells, type IndicatorKind } from './rules.js'
import type { Figure } from './figures.js'

export interface Suppressed {
  suppressed: true
}

export type Count = number | Suppressed

interface PublishedCell {
  key: Record<string, string>
  numerator: Count
  denominator: Count | null
  value: number | Suppressed | null
}

export interface PublishedFigure {
  unitCode: string
  numerator: Count | null
  denominator: Count | null
  value: number | Suppressed | null
  met: boolean | null
  breakdowns: { dimensions: Dimension[]; cells: PublishedCell[] }[]
}

const withheld: Suppressed = { suppressed: true }

/**
 * Small counts are withheld from machine clients (city systems) only: officers work with the children
 * themselves. Counts of wards and reports identify nobody and are never withheld.
 */
export function withholdsSmallCells(principal: Principal): boolean {
  return principal.kind === 'client'
}

/** What publication needs to know of an indicator; a report snapshot keeps it beside the figures. */
export interface PublicationMeta {
  kind: IndicatorKind
  source: IndicatorDefinition['source']
  hasDenominator: boolean
}

export function publicationMeta(
  definition: Pick<IndicatorDefinition, 'kind' | 'source' | 'denominator'>,
): PublicationMeta {
  return {
    kind: definition.kind,
    source: definition.source,
    hasDenominator: definition.kind === 'percentage' || definition.denominator !== null,
  }
}

function publishValue(
  kind: IndicatorKind,
  value: number | null,
  numeratorHidden: boolean,
  denominatorHidden: boolean,
): number | Suppressed | null {
  if (numeratorHidden || (kind === 'percentage' && denominatorHidden)) return withheld
  return value
}

/**
 * The figures as the caller may see them. With `withhold`, every count of 1 to 4 is withheld, and one
 * more cell where a withheld one could be recovered by subtraction: among the wards of the unit, and
 * among the cells of each breakdown. Not covered: a ward's cell recovered from the unit's cell of the
 * same key minus the other wards' (subtraction across two dimensions at once).
 */
export function publishFigures(
  meta: PublicationMeta,
  figures: readonly Figure[],
  withhold: boolean,
): PublishedFigure[] {
  if (figures.length === 0) return []
  const showDenominator = meta.hasDenominator
  const protect = withhold && (meta.source === 'registry' || meta.source === 'incidents')
  const total = figures[figures.length - 1]!
  const parts = figures.slice(0, -1)
  const numeratorFlags = protect
    ? protectedCells(
        total.numerator,
        parts.map((f) => f.numerator),
      )
    : null
  const denominatorFlags =
    protect && showDenominator
      ? protectedCells(
          total.denominator,
          parts.map((f) => f.denominator),
        )
      : null
  return figures.map((figure, index) => {
    const isTotal = index === figures.length - 1
    const numeratorHidden = numeratorFlags ? (isTotal ? numeratorFlags.total : numeratorFlags.parts[index]!) : false
    const denominatorHidden = denominatorFlags
      ? isTotal
        ? denominatorFlags.total
        : denominatorFlags.parts[index]!
      : false
    return {
      unitCode: figure.unitCode,
      numerator: numeratorHidden ? withheld : figure.numerator,
      denominator: showDenominator ? (denominatorHidden ? withheld : figure.denominator) : null,
      value: publishValue(meta.kind, figure.value, numeratorHidden, denominatorHidden),
      met: figure.met,
      breakdowns: figure.breakdowns.map((breakdown) => {
        const cellNumerators = protect
          ? protectedCells(
              figure.numerator,
              breakdown.cells.map((c) => c.numerator),
            ).parts
          : null
        const cellDenominators =
          protect && showDenominator
            ? protectedCells(
                figure.denominator,
                breakdown.cells.map((c) => c.denominator),
              ).parts
            : null
        return {
          dimensions: breakdown.dimensions,
          cells: breakdown.cells.map((c, cellIndex) => {
            const hideNumerator = numeratorHidden || (cellNumerators?.[cellIndex] ?? false)
            const hideDenominator = denominatorHidden || (cellDenominators?.[cellIndex] ?? false)
            return {
              key: c.key,
              numerator: hideNumerator ? withheld : c.numerator,
              denominator: showDenominator ? (hideDenominator ? withheld : c.denominator) : null,
              value: publishValue(meta.kind, c.value, hideNumerator, hideDenominator),
            }
          }),
        }
      }),
    }
  })
}
