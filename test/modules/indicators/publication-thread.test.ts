import t from 'tap'
import type { Figure } from '../../../src/modules/indicators/figures.js'
import { publishFigures, type PublicationMeta } from '../../../src/modules/indicators/publication.js'
import { publishOffThread } from '../../../src/modules/indicators/publication-thread.js'
import { shareFigures } from '../../support/share-figures.js'

const groups = Array.from({ length: 14 }, (_, index) => `G${String(index + 1).padStart(2, '0')}`)
const share: PublicationMeta = { kind: 'percentage', source: 'registry', hasDenominator: true }

/** A share of children by group for 21 wards and their unit: many small counts, from a fixed seed. */
function wardsByGroup(seed: number): Figure[] {
  let state = seed
  const next = () => (state = (state * 1103515245 + 12345) % 2147483648) / 2147483648
  const rows = Array.from({ length: 21 }, () =>
    groups.map(() => {
      const denominator = Math.floor(next() * 9)
      return [Math.floor(next() * (denominator + 1)), denominator] as const
    }),
  )
  return shareFigures('groupCode', groups, rows)
}

const together = { asOf: '2024-06-30', others: [] }

t.test('a table is protected on the publication thread as it would be here, while this thread goes on', async (t) => {
  const figures = wardsByGroup(1)
  let ticks = 0
  let waiting = true
  const tick = () => {
    ticks++
    if (waiting) setImmediate(tick)
  }
  setImmediate(tick)
  const published = await publishOffThread({ meta: share, figures, together })
  waiting = false
  t.same(published, publishFigures(share, figures, true, together), 'the same cells withheld')
  const counts = published.flatMap((figure) => figure.breakdowns.flatMap((breakdown) => breakdown.cells))
  t.ok(
    counts.some((cell) => typeof cell.numerator !== 'number') &&
      counts.some((cell) => typeof cell.numerator === 'number' && cell.numerator > 0),
    'some counts withheld, others shown',
  )
  // Protected here, the table would have held this thread throughout: a handful of turns at most.
  t.ok(ticks > 100, `this thread took ${ticks} turns meanwhile`)
})

t.test('jobs sent together are answered each with its own table', async (t) => {
  const seeds = [2, 3, 4]
  const answers = await Promise.all(
    seeds.map((seed) => publishOffThread({ meta: share, figures: wardsByGroup(seed), together })),
  )
  answers.forEach((published, index) =>
    t.same(published, publishFigures(share, wardsByGroup(seeds[index]!), true, together), `seed ${seeds[index]}`),
  )
})

t.test('a job that fails is refused with why, and the thread goes on with the next', async (t) => {
  const figures = wardsByGroup(5)
  const elsewhere = { asOf: '2024-05-14', counted: figures.slice(1), published: [] }
  const refused = await publishOffThread({
    meta: { ...share, source: 'incidents' },
    figures,
    together: { ...together, others: [elsewhere] },
  }).catch((error: Error) => error)
  t.match(refused, { message: 'the job failed on its thread' })
  t.match((refused as Error).cause, { message: 'the table to 2024-05-14 lists other units' })
  t.same(await publishOffThread({ meta: share, figures, together }), publishFigures(share, figures, true, together))
})
