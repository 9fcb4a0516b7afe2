/**
 * A report's narrative screened for personal data (narrative.ts) against the registry of the report's unit:
 * refused when it is written, and withheld from a caller who reads aggregates only (a city system) when it is
 * read, for a narrative stored before the check or naming a child registered since.
 */
import { bodyErrors, unprocessable } from '../../platform/problem.js'
import type { Work } from '../../platform/work.js'
import type { UnitRow } from '../indicators/repository.js'
import { findingProblem, narrativeFindings, placeName, type NarrativeText } from './narrative.js'
import { registeredNames } from './repository.js'
import { unitsOfRecords } from './rules.js'

function findingsIn(work: Work, units: readonly UnitRow[], unitCode: string, texts: readonly NarrativeText[]) {
  const places = new Set(units.map((unit) => placeName(unit.nameVi)))
  const wards = unitsOfRecords(units, unitCode)
  return narrativeFindings(texts, places, (names) => registeredNames(work.tx, wards, names))
}

/** Refuses (422 `invalid_report`, one `personal_data` error per text) texts of a unit's report that hold personal data. */
export async function refusePersonalData(
  work: Work,
  units: readonly UnitRow[],
  unitCode: string,
  texts: readonly NarrativeText[],
  detail: string,
): Promise<void> {
  const findings = await findingsIn(work, units, unitCode, texts)
  if (findings.length > 0) throw unprocessable('invalid_report', detail, bodyErrors(findings.map(findingProblem)))
}

/** The keys of a report's sections that hold personal data. */
export async function sectionsWithPersonalData(
  work: Work,
  units: readonly UnitRow[],
  report: { unitCode: string; sections: readonly { key: string; text: string }[] },
): Promise<Set<string>> {
  const texts = report.sections.map((section) => ({ pointer: section.key, text: section.text }))
  const findings = await findingsIn(work, units, report.unitCode, texts)
  return new Set(findings.map((finding) => finding.pointer))
}
