/**
 * The client's types as generated from the committed contract, formatted with the repository's Prettier
 * settings so that the file on disk and a fresh rendering compare byte for byte (the drift test).
 */
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import openapiTS, { astToString } from 'openapi-typescript'
import { format, resolveConfig } from 'prettier'

const contractPath = fileURLToPath(new URL('../../../openapi/openapi.json', import.meta.url))
export const schemaPath = fileURLToPath(new URL('../src/schema.ts', import.meta.url))

const banner =
  '// Generated from openapi/openapi.json by `npm run client:generate`; do not edit. The drift test fails when\n' +
  '// the contract changes and this file is not regenerated.\n\n'

export async function renderSchema(): Promise<string> {
  const contract = JSON.parse(await readFile(contractPath, 'utf8')) as Parameters<typeof openapiTS>[0]
  const types = astToString(await openapiTS(contract, { silent: true }))
  const settings = await resolveConfig(schemaPath)
  return format(banner + types, { ...settings, filepath: schemaPath })
}
