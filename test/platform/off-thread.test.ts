import t from 'tap'
import { OffThread, workerBeside } from '../../src/platform/off-thread.js'
import type { ArithmeticJob } from './fixtures/arithmetic-worker.js'

const arithmetic = () =>
  new OffThread<ArithmeticJob, number>(workerBeside(import.meta.url, 'fixtures/arithmetic-worker'))

t.test('jobs are answered in turn, each with its own result', async (t) => {
  const thread = arithmetic()
  const answers = await Promise.all([1, 2, 3].map((value) => thread.run({ kind: 'double', value })))
  t.same(answers, [2, 4, 6])
})

t.test('a job that throws is refused with the error as its cause, and the thread goes on', async (t) => {
  const thread = arithmetic()
  const refused = await thread.run({ kind: 'throw' }).catch((error: Error) => error)
  t.ok(refused instanceof Error)
  t.equal((refused as Error).message, 'the job failed on its thread')
  t.match((refused as Error).cause, { name: 'RangeError', message: 'no such number' })
  t.equal(await thread.run({ kind: 'double', value: 5 }), 10)
})

t.test('a job that cannot be sent is refused as a promise, and the thread goes on', async (t) => {
  const thread = arithmetic()
  const unsendable = { kind: 'double', value: 1, cannotBeCloned: () => 0 } as ArithmeticJob
  await t.rejects(thread.run(unsendable), { message: 'the job could not be sent to its thread' })
  t.equal(await thread.run({ kind: 'double', value: 7 }), 14)
})

t.test('a thread that ends takes its own jobs with it; the next job starts another', async (t) => {
  const thread = arithmetic()
  const ended = thread.run({ kind: 'exit' })
  const sentBehind = thread.run({ kind: 'double', value: 1 })
  await t.rejects(ended, { message: 'the thread exited (3)' })
  await t.rejects(sentBehind, { message: 'the thread exited (3)' }, 'the job queued behind it on that thread')
  t.equal(await thread.run({ kind: 'double', value: 4 }), 8, 'answered on a new thread')
})

t.test('a job sent after a thread failed is not taken by that thread’s end', async (t) => {
  const thread = arithmetic()
  t.equal(await thread.run({ kind: 'double', value: 2 }), 4)
  await t.rejects(thread.run({ kind: 'crash' }), { message: 'the thread failed' })
  // Sent between the failure and the end: it goes to a new thread, which the old one's end leaves alone.
  t.equal(await thread.run({ kind: 'double', value: 6 }), 12)
})
