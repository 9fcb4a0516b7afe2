/** The caller's task list as scoped work (platform/work.ts): every source's tasks, merged by urgency. */
import type { Static } from 'typebox'
import { decodeCursor, encodeCursor } from '../../platform/pagination.js'
import type { Work } from '../../platform/work.js'
import { byUrgency } from './rules.js'
import type { TaskQuery } from './schemas.js'
import type { TaskPosition } from './source.js'
import { taskSources } from './sources.js'

export async function taskPage(work: Work, query: Static<typeof TaskQuery>) {
  const { limit = 50, cursor } = query
  const key = decodeCursor(cursor, ['timestamp', 'text', 'uuid']) as [string, string, string] | undefined
  const after: TaskPosition | undefined = key && { dueAt: new Date(key[0]), kind: key[1], id: key[2] }
  const lists = []
  // In turn: a transaction's one connection runs one statement at a time.
  for (const source of taskSources) lists.push(await source.list(work, { after, limit: limit + 1 }))
  const merged = byUrgency(lists, work.now, limit + 1)
  const items = merged.slice(0, limit)
  const last = items.at(-1)
  await work.audit({
    action: 'task.list',
    resourceType: 'task',
    outcome: 'success',
    details: { count: items.length },
  })
  return {
    items: items.map((task) => ({ ...task, dueAt: task.dueAt.toISOString() })),
    nextCursor: merged.length > limit && last ? encodeCursor([last.dueAt.toISOString(), last.kind, last.id]) : null,
    asOf: work.now.toISOString(),
  }
}
