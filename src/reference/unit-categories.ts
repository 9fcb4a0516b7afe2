/**
 * The unit categories an administrator may give a ward (src/reference/unit-categories.json) and the
 * Decision 06 threshold class of each. Read once, on first use, and checked like every reference file.
 */
import { readFileSync } from 'node:fs'
import Type, { type Static } from 'typebox'
import Value from 'typebox/value'

const UnitCategoriesFile = Type.Object({
  dataset: Type.Literal('unit-categories'),
  version: Type.String(),
  legalBasis: Type.String(),
  notes: Type.Array(Type.String()),
  categories: Type.Array(
    Type.Object({
      code: Type.String({ pattern: '^[a-z_]+$' }),
      nameVi: Type.String({ minLength: 1 }),
      nameEn: Type.String({ minLength: 1 }),
      decision06Class: Type.Enum(['urban_ward_central_city', 'other', 'disadvantaged']),
    }),
  ),
})

export type UnitCategoryKind = Static<typeof UnitCategoriesFile>['categories'][number]

let kinds: readonly UnitCategoryKind[] | undefined

/** The categories, in the file's order. */
export function unitCategoryKinds(): readonly UnitCategoryKind[] {
  if (!kinds) {
    const data: unknown = JSON.parse(readFileSync(new URL('./unit-categories.json', import.meta.url), 'utf8'))
    const first = [...Value.Errors(UnitCategoriesFile, data)][0]
    if (first)
      throw new Error(
        `reference file unit-categories.json is invalid at ${first.instancePath || '/'}: ${first.message}`,
      )
    kinds = (data as Static<typeof UnitCategoriesFile>).categories
  }
  return kinds
}
