import t from 'tap'
import { startServerProcess } from '../support/process.js'

t.test('a first administrator the rules refuse stops the start, said in words on the terminal', async (t) => {
  const password = 'test.admin-7'
  const server = await startServerProcess(t, { BOOTSTRAP_ADMIN_PASSWORD: password })
  t.notOk(server.ready, 'the server never listens')
  t.equal(await server.exited, 1)
  const output = server.output()
  t.match(output, /cannot create test\.admin: password must not contain the username/)
  t.match(output, /"code":"account_rejected"/, 'the log keeps the code')
  t.notMatch(output, password, 'never the password')
})
