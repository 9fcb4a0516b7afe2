/** `npm run client:generate`: rewrites src/schema.ts from openapi/openapi.json. */
import { writeFile } from 'node:fs/promises'
import { relative } from 'node:path'
import { renderSchema, schemaPath } from './render-schema.js'

await writeFile(schemaPath, await renderSchema())
console.log(`wrote ${relative(process.cwd(), schemaPath)}`)
