import Type, { type TSchema } from 'typebox'
import { Page, PaginationQuery, Timestamp } from '../../platform/schemas.js'
import { importFormats, importKinds, importModes } from './rules.js'
import { importStates } from './tables.js'

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()])

const Source = Type.String({
  pattern: '^[A-Za-z0-9._:-]{1,50}$',
  description:
    'the system or spreadsheet the rows come from; with externalId it identifies a record, so importing again updates it. ' +
    'Default: your first unit (e.g. 00301), so one ward’s row numbers never meet another’s.',
})

export const CreateImportQuery = Type.Object(
  {
    kind: Type.Enum([...importKinds], { description: 'what the rows are' }),
    dryRun: Type.Optional(
      Type.Boolean({
        default: false,
        description: 'check and report what would happen; write nothing to the registry',
      }),
    ),
    mode: Type.Optional(
      Type.Enum([...importModes], {
        default: 'atomic',
        description:
          'atomic: nothing is imported if any row is rejected; partial: the good rows are imported, the rejected ones reported',
      }),
    ),
    source: Type.Optional(Source),
  },
  { additionalProperties: false },
)

export const ImportParams = Type.Object({ id: Type.String({ format: 'uuid' }) }, { additionalProperties: false })
export const ImportProblemsQuery = Type.Object({ ...PaginationQuery }, { additionalProperties: false })

const ImportProblemSchema = Type.Object(
  {
    column: Nullable(
      Type.String({ description: 'the column as the file names it (its header); null for the row as a whole' }),
    ),
    field: Nullable(Type.String({ description: 'the registry field the column is read into (e.g. fullName)' })),
    code: Type.String({ description: 'stable code; see docs/imports.md' }),
    message: Type.String(),
    severity: Type.Enum(['error', 'warning'], {
      description: 'error: the row is rejected; warning: imported, worth a look',
    }),
  },
  { $id: 'ImportProblem', additionalProperties: false },
)

const ImportRowReportSchema = Type.Object(
  {
    row: Type.Integer({ description: 'the row of the file as a spreadsheet numbers it (the header is usually row 1)' }),
    outcome: Nullable(
      Type.Enum(['created', 'updated', 'unchanged', 'rejected', 'pending'], { description: 'null for the header row' }),
    ),
    recordId: Nullable(
      Type.String({ format: 'uuid', description: 'the child or household the row created or updated' }),
    ),
    problems: Type.Array(Type.Ref('ImportProblem')),
  },
  {
    $id: 'ImportRowReport',
    additionalProperties: false,
    description: 'a row with something to say: rejected, or imported with a warning',
  },
)

export const ImportSchema = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    kind: Type.Enum([...importKinds]),
    source: Type.String(),
    mode: Type.Enum([...importModes]),
    dryRun: Type.Boolean(),
    format: Type.Enum([...importFormats]),
    fileName: Nullable(Type.String()),
    state: Type.Enum([...importStates], {
      description:
        'running: the file is being read (startedAt null) or the rows imported; queued: read, waiting for a worker; ' +
        'completed; failed (see failure)',
    }),
    failure: Nullable(
      Type.Object(
        { code: Type.String(), message: Type.String() },
        {
          additionalProperties: false,
          description: 'why the import failed: rows_rejected (atomic), a file problem, or interrupted',
        },
      ),
    ),
    rowsRead: Type.Integer({ description: 'data rows read from the file so far' }),
    rowsDone: Type.Integer({ description: 'rows whose outcome is final' }),
    percent: Type.Integer({ minimum: 0, maximum: 100 }),
    counts: Type.Object(
      {
        created: Type.Integer(),
        updated: Type.Integer(),
        unchanged: Type.Integer(),
        rejected: Type.Integer(),
        warnings: Type.Integer({
          description: 'rows imported (or, in a dry run, importable) with at least one warning',
        }),
      },
      { additionalProperties: false, description: 'in a dry run: what a real run would do' },
    ),
    createdAt: Timestamp(),
    startedAt: Nullable(Timestamp()),
    finishedAt: Nullable(Timestamp()),
    problems: Type.Array(Type.Ref('ImportRowReport'), { description: 'the first rows with problems, in file order' }),
    problemsNextCursor: Nullable(Type.String({ description: 'the rest: GET /v1/imports/{id}/problems?cursor=…' })),
    errorsCsv: Type.String({ description: 'where the rejected rows can be downloaded, ready to fix and import again' }),
  },
  { $id: 'Import', additionalProperties: false },
)

export const ImportRowPageSchema = Page(Type.Ref('ImportRowReport'), 'ImportRowPage')

export const importSchemas = [ImportProblemSchema, ImportRowReportSchema, ImportSchema, ImportRowPageSchema]
