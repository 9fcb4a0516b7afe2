import { readFileSync } from 'node:fs'
import t from 'tap'
import { renderSchema, schemaPath } from '../../../clients/typescript/scripts/render-schema.js'

t.test('the client’s types are generated from the committed contract', async (t) => {
  const committed = readFileSync(schemaPath, 'utf8').split('\n')
  const generated = (await renderSchema()).split('\n')
  const firstDifference = generated.findIndex((line, index) => line !== committed[index])
  // A whole-file diff of a file this size buries the message; the first line that differs says enough.
  t.ok(
    firstDifference === -1 && generated.length === committed.length,
    'clients/typescript/src/schema.ts is current: run `npm run client:generate`' +
      (firstDifference === -1 ? '' : ` (it differs from line ${firstDifference + 1}: ${generated[firstDifference]})`),
  )
})
