/**
 * A small synthetic district whose indicator figures are worked out by hand in the tests. Rows are
 * written straight into the tables (as the service's own jobs would, in the system scope): the
 * registry and incident endpoints have their own tests.
 */
import { randomUUID } from 'node:crypto'
import { addDays } from '../../../src/modules/calendar/rules.js'
import {
  careRecords,
  children,
  childCircumstances,
  healthInsuranceCards,
} from '../../../src/modules/children/tables.js'
import { assessments } from '../../../src/modules/criteria/tables.js'
import { incidentChildren, incidents, incidentSteps } from '../../../src/modules/incidents/tables.js'
import { reports } from '../../../src/modules/reports/tables.js'
import { inScope, systemScope } from '../../../src/platform/scope.js'
import type { TestApp } from '../../support/app.js'
import { wardA, wardB } from '../../support/auth.js'
import { loadCaseStepRules } from '../../../src/reference/index.js'

const { writtenReportKinds } = loadCaseStepRules().data

const created = new Date('2024-01-02T00:00:00Z')
const local = (instant: string) => new Date(`${instant}+07:00`)

type ChildSpec = { ward: string; dateOfBirth: string; sex?: 'male' | 'female'; deleted?: boolean; movedOutOn?: string }

export interface Scenario {
  /** Birth dates of the children counted, per ward, for the age and sex expectations. */
  registered: { ward: string; dateOfBirth: string; sex: 'male' | 'female' }[]
}

/**
 * Ward A: 70 children under 6, all with a valid card; 6 special-circumstance children (5 in group a,
 * one of them also in group d, and one in group d only), 5 of them cared for; 4 children of 12 (one of
 * them abused twice); a deleted child and one aged out, neither counted. Incidents: one injury
 * (treated), two violence incidents against the same child, one sexual abuse, three child-labour
 * cases (one supported within 5 working days, one late, one not yet due). A ward plan submitted on
 * time, a 6-month report submitted late (unless `reports` is false), and a recognition decided in 2022.
 *
 * Ward B: 50 children under 6, 49 with a card; 4 special-circumstance children in group b, all cared
 * for; one child who moved out on 2024-03-01; one injury accident in which a child died. No reports; a
 * 2024 assessment that did not recognise the ward.
 */
export async function seedScenario(
  { app }: TestApp,
  options: { reports: boolean } = { reports: true },
): Promise<Scenario> {
  const scenario: Scenario = { registered: [] }
  await inScope(app.database.db, systemScope, async (tx) => {
    const addChild = async (spec: ChildSpec) => {
      const sex = spec.sex ?? 'female'
      const [row] = await tx
        .insert(children)
        .values({
          provinceCode: '01',
          wardCode: spec.ward,
          fullName: `Trẻ thử nghiệm ${randomUUID().slice(0, 8)}`,
          dateOfBirth: spec.dateOfBirth,
          birthYear: Number(spec.dateOfBirth.slice(0, 4)),
          sex,
          status: spec.movedOutOn ? 'moved_out' : 'active',
          statusDate: spec.movedOutOn ?? null,
          createdAt: created,
          updatedAt: created,
          deletedAt: spec.deleted ? created : null,
        })
        .returning({ id: children.id })
      if (!spec.deleted && !spec.movedOutOn && spec.dateOfBirth > '2008-06-20')
        scenario.registered.push({ ward: spec.ward, dateOfBirth: spec.dateOfBirth, sex })
      return row!.id
    }
    const card = (childId: string, ward: string, validFrom: string) =>
      tx.insert(healthInsuranceCards).values({
        childId,
        provinceCode: '01',
        wardCode: ward,
        cardNumber: `TE1${randomUUID().slice(0, 12)}`,
        validFrom,
        validTo: '2029-09-30',
        createdAt: created,
      })
    const membership = (childId: string, ward: string, groupCode: string) =>
      tx.insert(childCircumstances).values({
        childId,
        provinceCode: '01',
        wardCode: ward,
        kind: 'group',
        groupCode,
        startDate: '2023-01-01',
        createdAt: created,
        updatedAt: created,
      })
    const care = (childId: string, ward: string) =>
      tx.insert(careRecords).values({
        childId,
        provinceCode: '01',
        wardCode: ward,
        kind: 'allowance',
        startDate: '2024-01-01',
        amountVnd: 900_000,
        createdAt: created,
        updatedAt: created,
      })

    for (let i = 0; i < 70; i++) {
      const dateOfBirth = addDays('2019-07-01', i * 20)
      await card(await addChild({ ward: wardA, dateOfBirth, sex: i % 2 === 0 ? 'male' : 'female' }), wardA, dateOfBirth)
    }
    for (let i = 0; i < 50; i++) {
      const dateOfBirth = addDays('2019-08-01', i * 25)
      const id = await addChild({ ward: wardB, dateOfBirth, sex: i % 2 === 0 ? 'female' : 'male' })
      if (i !== 7) await card(id, wardB, dateOfBirth)
    }
    const special: string[] = []
    for (let i = 0; i < 6; i++)
      special.push(await addChild({ ward: wardA, dateOfBirth: '2016-03-01', sex: i < 3 ? 'male' : 'female' }))
    for (let i = 0; i < 5; i++) {
      await membership(special[i]!, wardA, 'a')
      await care(special[i]!, wardA)
    }
    await membership(special[0]!, wardA, 'd')
    await membership(special[5]!, wardA, 'd')
    for (let i = 0; i < 4; i++) {
      const id = await addChild({ ward: wardB, dateOfBirth: '2015-09-09', sex: 'male' })
      await membership(id, wardB, 'b')
      await care(id, wardB)
    }
    const older: string[] = []
    for (let i = 0; i < 4; i++) older.push(await addChild({ ward: wardA, dateOfBirth: '2012-01-10', sex: 'female' }))
    await addChild({ ward: wardA, dateOfBirth: '2021-01-01', deleted: true })
    await addChild({ ward: wardA, dateOfBirth: '2008-01-01' })
    await addChild({ ward: wardB, dateOfBirth: '2017-04-04', movedOutOn: '2024-03-01' })

    const incident = async (
      ward: string,
      kind: (typeof incidents.$inferInsert)['kind'],
      occurred: string,
      options: {
        reportedAfterHours: number | null
        outcome?: 'treated' | 'death'
        child: { childId?: string; sex: string; ageYears: number }
        planAfterDays?: number
      },
    ) => {
      const occurredAt = local(occurred)
      const dueAt = new Date(occurredAt.getTime() + 24 * 3_600_000)
      const [row] = await tx
        .insert(incidents)
        .values({
          provinceCode: '01',
          wardCode: ward,
          kind,
          occurredAt,
          occurredAtPrecision: 'exact',
          detectedAt: occurredAt,
          channel: 'phone',
          injuryOutcome: options.outcome ?? null,
          writtenReportDueAt: dueAt,
          writtenReportBasis: 'occurred',
          writtenReportRequired: writtenReportKinds.includes(kind),
          writtenReportSubmittedAt:
            options.reportedAfterHours === null
              ? null
              : new Date(occurredAt.getTime() + options.reportedAfterHours * 3_600_000),
          receivedAt: occurredAt,
          createdAt: occurredAt,
          updatedAt: occurredAt,
        })
        .returning({ id: incidents.id })
      const id = row!.id
      await tx.insert(incidentChildren).values({
        incidentId: id,
        provinceCode: '01',
        wardCode: ward,
        childId: options.child.childId ?? null,
        sex: options.child.sex,
        ageYears: options.child.ageYears,
        createdAt: occurredAt,
      })
      if (options.planAfterDays !== undefined) {
        const at = new Date(occurredAt.getTime() + options.planAfterDays * 86_400_000)
        await tx
          .insert(incidentSteps)
          .values({ incidentId: id, provinceCode: '01', wardCode: ward, step: 'support_plan', at, createdAt: at })
      }
    }
    await incident(wardB, 'injury_accident', '2024-04-10T10:00:00', {
      reportedAfterHours: 5,
      outcome: 'death',
      child: { sex: 'male', ageYears: 7 },
    })
    await incident(wardA, 'injury_accident', '2024-04-12T10:00:00', {
      reportedAfterHours: 5,
      outcome: 'treated',
      child: { sex: 'female', ageYears: 3 },
    })
    await incident(wardA, 'violence', '2024-02-05T10:00:00', {
      reportedAfterHours: 20,
      child: { childId: older[0], sex: 'female', ageYears: 12 },
    })
    await incident(wardA, 'violence', '2024-03-07T10:00:00', {
      reportedAfterHours: 30,
      child: { childId: older[0], sex: 'female', ageYears: 12 },
    })
    await incident(wardA, 'sexual_abuse', '2024-04-01T10:00:00', {
      reportedAfterHours: 2,
      child: { sex: 'female', ageYears: 13 },
    })
    // Received Monday 6 May: the plan is due by the end of Monday 13 May (5 working days); Friday 10 May is in time.
    await incident(wardA, 'child_labour', '2024-05-06T09:00:00', {
      reportedAfterHours: 3,
      child: { sex: 'male', ageYears: 14 },
      planAfterDays: 4,
    })
    // Received Monday 20 May, due Monday 27 May; the plan of 5 June is late.
    await incident(wardA, 'child_labour', '2024-05-20T09:00:00', {
      reportedAfterHours: 3,
      child: { sex: 'male', ageYears: 15 },
      planAfterDays: 16,
    })
    // Received Wednesday 19 June, due 26 June: not yet judged on 20 June.
    await incident(wardA, 'child_labour', '2024-06-19T09:00:00', {
      reportedAfterHours: 3,
      child: { sex: 'female', ageYears: 14 },
    })

    const report = (periodCode: string, firstSubmittedAt: string, timeliness: 'on_time' | 'late') =>
      tx.insert(reports).values({
        provinceCode: '01',
        wardCode: wardA,
        unitCode: wardA,
        level: 'ward',
        periodCode,
        state: 'submitted',
        snapshot: {},
        sections: [],
        submittedAt: local(firstSubmittedAt),
        firstSubmittedAt: local(firstSubmittedAt),
        timeliness,
        submissionCount: 1,
        createdAt: created,
        updatedAt: created,
      })
    if (options.reports) {
      await report('2024-ward_plan', '2024-03-28T16:00:00', 'on_time')
      await report('2024-six_month', '2024-05-16T08:00:00', 'late')
    }
    const assessment = (ward: string, year: number, decidedAt: string, recognised: boolean) =>
      tx.insert(assessments).values({
        provinceCode: '01',
        wardCode: ward,
        year,
        criteriaSetId: 'decision-06-2019',
        criteriaSetVersion: 1,
        category: 'urban_ward_central_city',
        assessedOn: `${year}-11-20`,
        state: 'decided',
        decidedAt: local(decidedAt),
        recognised,
        createdAt: created,
        updatedAt: created,
      })
    await assessment(wardA, 2022, '2022-11-30T09:00:00', true)
    await assessment(wardB, 2024, '2024-06-01T09:00:00', false)
  })
  return scenario
}
