import { eq } from 'drizzle-orm'
import { applyHolidaysReferenceFollowing } from '../modules/calendar/follow.js'
import { applyCircumstanceGroupsReference, applyEthnicitiesReference } from '../modules/children/repository.js'
import { applyCriteriaSetsReference } from '../modules/criteria/repository.js'
import { applyCaseStepRulesReference } from '../modules/incidents/step-rules.js'
import { applyIndicatorsReference } from '../modules/indicators/repository.js'
import { applyUnitsReference } from '../modules/units/repository.js'
import { applyRolesReference } from '../modules/users/repository.js'
import {
  loadCaseStepRules,
  loadCircumstanceGroups,
  loadCriteriaSets,
  loadEthnicities,
  loadHolidays,
  loadIndicators,
  loadRoles,
  loadUnits,
  type ReferenceFile,
} from '../reference/index.js'
import type { Database, Executor } from './client.js'
import { referenceDatasets } from './meta-tables.js'
import { lockSchema } from './migrate.js'
import { inScope, systemScope } from '../platform/scope.js'

interface Dataset {
  name: string
  version: string
  sha256: string
  apply: (tx: Executor) => Promise<void>
}

function dataset<T extends { version: string }>(
  file: ReferenceFile<T>,
  apply: (tx: Executor, data: T) => Promise<void>,
): Dataset {
  return { name: file.name, version: file.data.version, sha256: file.sha256, apply: (tx) => apply(tx, file.data) }
}

function datasets(): Dataset[] {
  return [
    dataset(loadUnits(), applyUnitsReference),
    dataset(loadCircumstanceGroups(), applyCircumstanceGroupsReference),
    dataset(loadHolidays(), applyHolidaysReferenceFollowing),
    dataset(loadRoles(), applyRolesReference),
    dataset(loadEthnicities(), applyEthnicitiesReference),
    dataset(loadIndicators(), applyIndicatorsReference),
    dataset(loadCriteriaSets(), applyCriteriaSetsReference),
    dataset(loadCaseStepRules(), applyCaseStepRulesReference),
  ]
}

export interface SeedResult {
  applied: string[]
  unchanged: string[]
}

/**
 * Applies each reference file whose content changed since it was last applied. Idempotent, and
 * serialised with migrations by the same advisory lock. Under the system scope: a changed calendar or
 * case rules version recomputes what the open incidents of every ward keep.
 */
export async function seedReferenceData(database: Database): Promise<SeedResult> {
  const result: SeedResult = { applied: [], unchanged: [] }
  await inScope(database.db, systemScope, async (tx) => {
    await lockSchema(tx)
    for (const { name, version, sha256, apply } of datasets()) {
      const [current] = await tx.select().from(referenceDatasets).where(eq(referenceDatasets.name, name))
      if (current?.sha256 === sha256) {
        result.unchanged.push(name)
        continue
      }
      await apply(tx)
      const row = { name, version, sha256, appliedAt: new Date() }
      await tx.insert(referenceDatasets).values(row).onConflictDoUpdate({ target: referenceDatasets.name, set: row })
      result.applied.push(name)
    }
  })
  return result
}
