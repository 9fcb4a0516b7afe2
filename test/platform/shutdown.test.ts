import t from 'tap'
import { startServerProcess } from '../support/process.js'

t.test('SIGTERM stops the process with exit code 0', async (t) => {
  const server = await startServerProcess(t, {})
  t.ok(server.ready, 'the server came up on a fresh embedded database')
  if (!server.ready) t.comment(server.output())
  server.child.kill('SIGTERM')
  // Exit code 0 is the clean path: past SHUTDOWN_TIMEOUT_MS the process would exit 1.
  t.equal(await server.exited, 0, 'exit code 0')
  t.match(server.output(), /shutdown complete/)
})
