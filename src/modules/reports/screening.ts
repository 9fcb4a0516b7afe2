/**
 * A report's narrative screened for personal data (narrative.ts) against the registry: refused when it is
 * written, and withheld from a caller who reads aggregates only (a city system) when it is read, for a
 * narrative stored before the check or naming a child registered since.
 */
import { bodyErrors, unprocessable } from '../../platform/problem.js'
import type { Work } from '../../platform/work.js'
import type { UnitRow } from '../indicators/repository.js'
import { findingProblem, narrativeFindings, placeName, type NarrativeText } from './narrative.js'
import { registeredNames } from './repository.js'
import { unitsOfRecords } from './rules.js'

const placesOf = (units: readonly UnitRow[]) => new Set(units.map((unit) => placeName(unit.nameVi)))

/** A report's sections as texts to screen, each title and text at its pointer in the request body. */
export function sectionTexts(sections: readonly { title: string; text: string }[]): NarrativeText[] {
  return sections.flatMap((section, index) => [
    { pointer: `/sections/${index}/title`, text: section.title },
    { pointer: `/sections/${index}/text`, text: section.text },
  ])
}

/**
 * Refuses (422 `invalid_report`, one `personal_data` error per title or text) what is written into a unit's report
 * where it holds personal data: names are looked for among the records of the unit (unitsOfRecords).
 */
export async function refusePersonalData(
  work: Work,
  units: readonly UnitRow[],
  unitCode: string,
  texts: readonly NarrativeText[],
  detail: string,
): Promise<void> {
  const wards = unitsOfRecords(units, unitCode)
  const findings = await narrativeFindings(texts, placesOf(units), (names) =>
    registeredNames(work.tx, work.scope, wards, names),
  )
  if (findings.length > 0) throw unprocessable('invalid_report', detail, bodyErrors(findings.map(findingProblem)))
}

/**
 * The sections of a report whose title, or text, holds personal data. Names are looked for among every record
 * the caller's scope covers, not the unit's alone: the children a report written before the check names may
 * have moved since.
 */
export async function sectionsWithPersonalData(
  work: Work,
  units: readonly UnitRow[],
  sections: readonly { key: string; title: string; text: string }[],
): Promise<{ titles: Set<string>; texts: Set<string> }> {
  const findings = await narrativeFindings(sectionTexts(sections), placesOf(units), (names) =>
    registeredNames(work.tx, work.scope, null, names),
  )
  const found = (field: 'title' | 'text') =>
    new Set(
      sections
        .filter((_, index) => findings.some((finding) => finding.pointer === `/sections/${index}/${field}`))
        .map((section) => section.key),
    )
  return { titles: found('title'), texts: found('text') }
}
