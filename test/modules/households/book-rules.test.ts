import t from 'tap'
import { childBookLines, povertyOn, type BookPlace } from '../../../src/modules/households/book-rules.js'

type Entry = BookPlace & { name: string }

const entry = (name: string, householdId: string | null, residentialGroupCode: string | null, wardCode = 'W1') => ({
  name,
  householdId,
  residentialGroupCode,
  wardCode,
})

/** The lines as text: `H<n> <first child>` for a household, `- <child>` for the heading of no household, `<n> <child>` for a child. */
async function linesOf(entries: Entry[]): Promise<string[]> {
  const lines: string[] = []
  for await (const line of childBookLines(entries)) {
    if (line.kind === 'household') lines.push(`H${line.number} ${line.entry.name}`)
    else if (line.kind === 'without_household') lines.push(`- ${line.entry.name}`)
    else lines.push(`${line.number} ${line.entry.name}`)
  }
  return lines
}

t.test(
  'the book: each household numbered, its children under it, children of no household under a line of their own',
  async (t) => {
    const cases: [string, Entry[], string[]][] = [
      ['an empty book', [], []],
      ['one household', [entry('An', 'h1', 'G1'), entry('Bình', 'h1', 'G1')], ['H1 An', '1.1 An', '1.2 Bình']],
      [
        'two households in a group',
        [entry('An', 'h1', 'G1'), entry('Bình', 'h2', 'G1'), entry('Chi', 'h2', 'G1')],
        ['H1 An', '1.1 An', 'H2 Bình', '2.1 Bình', '2.2 Chi'],
      ],
      [
        'children of no household after the households of their group, numbered on their own',
        [entry('An', 'h1', 'G1'), entry('Bình', null, 'G1'), entry('Chi', null, 'G1'), entry('Dung', 'h2', 'G2')],
        ['H1 An', '1.1 An', '- Bình', '1 Bình', '2 Chi', 'H2 Dung', '2.1 Dung'],
      ],
      [
        'a line of its own for each group of children of no household',
        [entry('An', null, 'G1'), entry('Bình', null, 'G2'), entry('Chi', null, null)],
        ['- An', '1 An', '- Bình', '1 Bình', '- Chi', '1 Chi'],
      ],
      [
        'and for each ward when no group is recorded',
        [entry('An', null, null, 'W1'), entry('Bình', null, null, 'W2')],
        ['- An', '1 An', '- Bình', '1 Bình'],
      ],
    ]
    for (const [name, entries, expected] of cases) t.same(await linesOf(entries), expected, name)
  },
)

t.test('the book reads its children as they stream', async (t) => {
  async function* streamed() {
    yield entry('An', 'h1', 'G1')
    yield entry('Bình', 'h1', 'G1')
  }
  const kinds: string[] = []
  for await (const line of childBookLines(streamed())) kinds.push(line.kind)
  t.same(kinds, ['household', 'child', 'child'])
})

t.test("a household's poverty status on a day", async (t) => {
  const cases: [string, 'poor' | 'near_poor' | 'none', string | null, string | null, string, string | null][] = [
    ['none', 'none', null, null, '2024-06-15', null],
    ['poor, open-ended', 'poor', null, null, '2024-06-15', 'poor'],
    ['near-poor within its dates', 'near_poor', '2024-01-01', '2025-12-31', '2024-06-15', 'near_poor'],
    ['on its first day', 'poor', '2024-06-15', null, '2024-06-15', 'poor'],
    ['on its last day', 'poor', null, '2024-06-15', '2024-06-15', 'poor'],
    ['before it starts', 'poor', '2024-07-01', null, '2024-06-15', null],
    ['after it ended', 'near_poor', '2021-01-01', '2023-12-31', '2024-06-15', null],
  ]
  for (const [name, povertyStatus, povertyFrom, povertyTo, asOf, expected] of cases)
    t.equal(povertyOn({ povertyStatus, povertyFrom, povertyTo }, asOf), expected, name)
})
