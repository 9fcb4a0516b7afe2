import t from 'tap'
import { canonicalJson } from '../../src/platform/canonical-json.js'

t.test('canonical JSON sorts keys at every depth and never changes its output', async (t) => {
  const cases: [string, unknown, string][] = [
    [
      'keys sorted at every depth',
      { b: 1, a: { d: [2, { y: 1, x: 2 }], c: null } },
      '{"a":{"c":null,"d":[2,{"x":2,"y":1}]},"b":1}',
    ],
    ['undefined members left out', { b: undefined, a: 1 }, '{"a":1}'],
    ['an undefined element renders as nothing between commas', [undefined, 1], '[,1]'],
    ['scalars as JSON', ['ư\n', 1.5, true, null], '["ư\\n",1.5,true,null]'],
    ['empty containers', [{}, []], '[{},[]]'],
    ['keys compared by code unit', { b: 1, B: 2, á: 3, a: 4 }, '{"B":2,"a":4,"b":1,"á":3}'],
    ['a key that needs escaping', { 'a"b': 1 }, '{"a\\"b":1}'],
  ]
  for (const [name, value, expected] of cases) t.equal(canonicalJson(value), expected, name)
})
