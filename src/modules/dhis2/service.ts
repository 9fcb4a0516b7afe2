/**
 * DHIS2: the administrator's mapping (read, and replaced with If-Match, audited), and a period's values
 * computed over exactly that period's window, published to the caller (small cells withheld from those who
 * may not see them) and resolved through the mapping into a dataValueSets document, or checked (dry run).
 */
import type { FastifyRequest } from 'fastify'
import type { Static } from 'typebox'
import type { Executor } from '../../db/client.js'
import { audit } from '../../platform/audit.js'
import { staleVersion } from '../../platform/concurrency.js'
import { bodyErrors, conflict, HttpProblem, unprocessable } from '../../platform/problem.js'
import type { Work } from '../../platform/work.js'
import { localDateOf } from '../calendar/rules.js'
import { indicatorFigures, resolveUnit } from '../indicators/figures.js'
import {
  breakdownView,
  isPublishedBreakdown,
  publicationMeta,
  publishFigures,
  withholdsSmallCells,
  type PublishedFigure,
} from '../indicators/publication.js'
import { listDefinitions, listUnitRows, periodsOfYear, type IndicatorDefinition } from '../indicators/repository.js'
import { closingDays } from '../indicators/rules.js'
import { tableAsPublished } from '../indicators/service.js'
import { readMapping, replaceMapping, type MappingRow } from './repository.js'
import {
  dhis2PeriodsOfYear,
  dhis2PeriodTypes,
  mappingProblems,
  parseDhis2Period,
  periodValues,
  publishableWhenWithheld,
  type Dhis2Mapping,
  type Dhis2Period,
  type Gap,
  type IndicatorToPost,
  type PeriodValues,
  type Skipped,
} from './rules.js'
import type { Dhis2ExportQuery, PutDhis2MappingBody } from './schemas.js'

/** The mapping as the API shows it (Dhis2Mapping); `version` is its entity tag. */
function toMapping(row: MappingRow) {
  return {
    dataSets: row.dataSets,
    attributeOptionCombo: row.attributeOptionCombo,
    defaultCategoryOptionCombo: row.defaultCategoryOptionCombo,
    dataElements: row.dataElements,
    categoryOptionCombos: row.categoryOptionCombos,
    orgUnits: row.orgUnits,
    version: row.version,
    updatedAt: row.updatedAt?.toISOString() ?? null,
    updatedBy: row.updatedBy,
  }
}

export async function dhis2Mapping(db: Executor) {
  return toMapping(await readMapping(db))
}

/** Replaces the mapping when `expectedVersion` is still its version; 422 with every problem when it is wrong. */
export async function replaceDhis2Mapping(
  request: FastifyRequest,
  body: Static<typeof PutDhis2MappingBody>,
  expectedVersion: number,
) {
  const { database, clock } = request.server
  const principal = request.principal
  if (!principal) throw new Error('replacing the DHIS2 mapping needs an authenticated principal')
  const mapping: Dhis2Mapping = body
  const definitions = await listDefinitions(database.db)
  const units = await listUnitRows(database.db)
  const problems = mappingProblems(
    mapping,
    definitions.map((definition) => ({
      code: definition.code,
      kind: definition.kind,
      hasDenominator: publicationMeta(definition).hasDenominator,
      breakdowns: definition.breakdowns,
    })),
    new Set(units.filter((unit) => unit.level !== 'residential_group').map((unit) => unit.code)),
  )
  if (problems.length > 0)
    throw unprocessable('invalid_dhis2_mapping', 'The DHIS2 mapping cannot be saved.', bodyErrors(problems))
  const row = await database.db.transaction(async (tx) => {
    const saved = await replaceMapping(tx, mapping, expectedVersion, principal.id, clock.now())
    if (!saved) throw staleVersion((await readMapping(tx)).version)
    await audit(tx, request, {
      action: 'dhis2_mapping.replace',
      resourceType: 'dhis2_mapping',
      resourceId: 'default',
      outcome: 'success',
      details: {
        version: saved.version,
        dataSets: dhis2PeriodTypes.filter((type) => saved.dataSets[type] !== null),
        dataElements: saved.dataElements.length,
        categoryOptionCombos: saved.categoryOptionCombos.length,
        orgUnits: saved.orgUnits.length,
      },
    })
    return saved
  })
  return toMapping(row)
}

// ---------------------------------------------------------------------------------------------
// A period's values

interface ComputedPeriod {
  period: Dhis2Period
  unitCode: string
  withhold: boolean
  mapping: MappingRow
  values: PeriodValues
}

const invalidWindow = (message: string, code: string, extensions: Record<string, unknown> = {}) =>
  new HttpProblem(400, 'invalid_window', `No DHIS2 values can be published: period ${message}.`, {
    errors: [{ location: 'querystring', pointer: '/period', message, code }],
    extensions,
  })

/**
 * The period's values over exactly its window (never year-to-date), for every ward of the unit (DHIS2 adds
 * them up its own hierarchy), published to the caller and resolved through the mapping. Audited as `action`.
 * A caller from whom small counts are withheld may have only the windows of the published tables
 * (publishableWhenWithheld), and is posted what they publish.
 */
async function computePeriod(
  work: Work,
  query: Static<typeof Dhis2ExportQuery>,
  action: 'dhis2.export' | 'dhis2.dry_run',
): Promise<ComputedPeriod> {
  const period = parseDhis2Period(query.period)
  if (!period) throw invalidWindow('is not a DHIS2 month, quarter, six-month or year', 'unknown_period')
  const today = localDateOf(work.now)
  if (period.windowTo >= today) throw invalidWindow(`has not ended (it ends on ${period.windowTo})`, 'period_not_ended')
  const withhold = withholdsSmallCells(work.principal)
  if (withhold) {
    const closing = closingDays(period.year, await periodsOfYear(work.tx, period.year))
    if (!publishableWhenWithheld(period, closing)) {
      const publishable = dhis2PeriodTypes
        .flatMap((type) => dhis2PeriodsOfYear(period.year, type))
        .filter((candidate) => publishableWhenWithheld(candidate, closing))
        .map((candidate) => candidate.code)
      throw invalidWindow(
        'does not start and end on the closing days of reporting periods, and small counts are withheld from this caller',
        'period_not_closed',
        { publishablePeriods: publishable, closingDays: closing },
      )
    }
  }
  const rows = await listUnitRows(work.tx)
  const window = { from: period.windowFrom, to: period.windowTo }
  const target = resolveUnit(rows, work.principal, query.unit, window)
  const mapping = await readMapping(work.tx)
  if (action === 'dhis2.export') requireDocumentMapping(mapping, period)
  const breakdownOf = (definition: IndicatorDefinition) =>
    (mapping.dataElements.find((entry) => entry.indicatorCode === definition.code)?.breakdown ?? []).filter(
      (dimension) => definition.breakdowns.includes(dimension),
    )
  // Wards only: DHIS2 adds a district up from its wards, and a district total posted beside them would count twice.
  const posted = new Set(target.unit.level === 'ward' ? [target.unit.code] : target.wards.map((ward) => ward.code))
  const toPost = (
    definition: IndicatorDefinition,
    available: boolean,
    figures: readonly PublishedFigure[],
  ): IndicatorToPost => ({
    code: definition.code,
    kind: definition.kind,
    measure: definition.measure,
    available,
    figures: figures
      .filter((figure) => posted.has(figure.unitCode))
      .map((figure) => ({
        unitCode: figure.unitCode,
        numerator: figure.numerator,
        denominator: figure.denominator,
        cells: figure.breakdowns[0]?.cells ?? null,
      })),
  })
  let protectedWithin: string | null = null
  let indicators: IndicatorToPost[]
  let publishedAt: Date | null = null
  if (withhold) {
    // The period's year-to-date table as published to such callers: the values posted are its cells, so that
    // the document and the indicator table of the same window show the same cells and withhold the same ones.
    const key = { scope: work.scope, year: period.year, asOf: period.windowTo, now: work.now }
    const found = await tableAsPublished(work.tx, key, rows, work.principal, target, undefined)
    const sealed = found.table
    protectedWithin = found.protectedWithin
    publishedAt = sealed.publishedAt
    indicators = sealed.indicators.map(({ definition, available, figures }) => {
      const set = breakdownOf(definition)
      if (!isPublishedBreakdown(set)) return { ...toPost(definition, available, []), breakdownNotPublished: true }
      return toPost(
        definition,
        available,
        figures.map((figure) => breakdownView(definition.kind, figure, set)),
      )
    })
  } else {
    const figures = await indicatorFigures(work.tx, {
      scope: work.scope,
      year: period.year,
      target,
      windowFrom: period.windowFrom,
      asOf: period.windowTo,
      now: work.now,
      setsFor: (definition) => {
        const set = breakdownOf(definition)
        return set.length > 0 ? [set] : []
      },
    })
    indicators = figures.map((indicator) =>
      toPost(
        indicator.definition,
        indicator.available,
        publishFigures(publicationMeta(indicator.definition), indicator.figures, false),
      ),
    )
  }
  const values = periodValues(period, mapping, indicators)
  await work.audit({
    action,
    resourceType: 'indicator_values',
    unitCode: target.unit.code,
    outcome: 'success',
    details: {
      period: period.code,
      withheld: withhold,
      values: values.dataValues.length,
      ...(protectedWithin ? { protectedWithin } : {}),
      ...(publishedAt ? { publishedAt: publishedAt.toISOString() } : {}),
    },
  })
  return { period, unitCode: target.unit.code, withhold, mapping, values }
}

/**
 * What a document needs of the mapping beyond its values: a data set for the period's type and an attribute
 * option combo. Checked before any figure is computed, so that a 409 costs nothing and audits no export.
 */
function requireDocumentMapping(
  mapping: MappingRow,
  period: Dhis2Period,
): { dataSet: string; attributeOptionCombo: string } {
  const dataSet = mapping.dataSets[period.type]
  if (dataSet === null || mapping.attributeOptionCombo === null) {
    throw conflict(
      'dhis2_mapping_incomplete',
      `The DHIS2 mapping names no data set for ${period.type} periods or no attribute option combo: set them (PUT /v1/dhis2/mapping), and check the rest with the dry run.`,
    )
  }
  return { dataSet, attributeOptionCombo: mapping.attributeOptionCombo }
}

/** A period's values as a DHIS2 dataValueSets document; 409 while the mapping names no data set or AOC. */
export async function dhis2DataValueSet(work: Work, query: Static<typeof Dhis2ExportQuery>) {
  const { period, mapping, values } = await computePeriod(work, query, 'dhis2.export')
  return {
    ...requireDocumentMapping(mapping, period),
    period: period.code,
    dataValues: values.dataValues,
  }
}

function gapMessage(gap: Gap): string {
  switch (gap.reason) {
    case 'no_data_set':
      return 'The mapping names no data set.'
    case 'no_attribute_option_combo':
      return 'The mapping names no attribute option combo.'
    case 'indicator_not_mapped':
      return `Indicator ${gap.indicatorCode} has no data element.`
    case 'no_denominator_data_element':
      return `Indicator ${gap.indicatorCode} is a percentage: its denominator needs a data element of its own.`
    case 'no_default_category_option_combo':
      return 'The mapping names no default category option combo for totals.'
    case 'category_option_combo_missing':
      return `The cell ${JSON.stringify(gap.key)} of ${gap.indicatorCode} has no category option combo.`
    case 'org_unit_not_mapped':
      return `Unit ${gap.unitCode} has no DHIS2 org unit.`
  }
}

const skipMessages: Record<Skipped['reason'], string> = {
  not_available: 'The service has no data source for this indicator yet.',
  annual_only:
    'Counts distinct children, or cases judged at the window’s end, which do not add up over periods: posted for yearly periods only.',
  breakdown_not_published:
    'The mapping breaks it down by a cross that is not published to this caller, from whom small counts are withheld (one breakdown, or sex by age group).',
}

/** Every value of the period that cannot be posted, and why, without producing the document. */
export async function dhis2DryRun(work: Work, query: Static<typeof Dhis2ExportQuery>) {
  const { period, unitCode, withhold, values } = await computePeriod(work, query, 'dhis2.dry_run')
  return {
    period: period.code,
    periodType: period.type,
    windowFrom: period.windowFrom,
    windowTo: period.windowTo,
    unitCode,
    smallCellsWithheld: withhold,
    ready: values.gaps.length === 0,
    values: values.dataValues.length,
    withheld: values.withheld,
    gaps: values.gaps.map((gap) => ({ ...gap, message: gapMessage(gap) })),
    skipped: values.skipped.map((skip) => ({ ...skip, message: skipMessages[skip.reason] })),
  }
}
