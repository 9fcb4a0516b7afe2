import t from 'tap'
import { onPostgres } from '../support/app.js'
import { serverApi, startServerProcess } from '../support/process.js'

const skip = onPostgres && 'the embedded database only'

t.test(
  'killed in the middle of writes, the embedded database starts again with every acknowledged write and an intact audit chain',
  { skip },
  async (t) => {
    const server = await startServerProcess(t, {})
    t.ok(server.ready, 'the service is up')
    if (!server.ready) return t.comment(server.output())
    const token = await server.token()
    const acknowledged: string[] = []
    let refused = 0
    let stop = false
    const writer = async (lane: number) => {
      for (let n = 0; !stop; n++) {
        const response = await serverApi(server, token, '/v1/children', {
          method: 'POST',
          body: JSON.stringify({
            fullName: `Trẻ Ghi ${lane}-${n}`,
            sex: 'female',
            dateOfBirth: '2018-05-10',
            address: { wardCode: '00301-2025' },
          }),
        }).catch(() => null)
        if (response?.status === 201) acknowledged.push(response.body!.id as string)
        else if (response) refused++
        if (!response || refused > 20) return
      }
    }
    const lanes = [0, 1, 2, 3].map(writer)
    // Writers that are refused give up, so a broken write fails the test rather than waiting for its timeout.
    while (acknowledged.length < 30 && refused <= 20) await new Promise((resolve) => setTimeout(resolve, 50))
    t.ok(refused <= 20, 'writes are acknowledged, not refused')
    server.child.kill('SIGKILL')
    stop = true
    await Promise.all(lanes)
    t.equal(await server.exited, null, 'killed, not stopped')
    const restarted = await startServerProcess(t, { DATA_DIR: server.dataDir })
    t.ok(restarted.ready, 'it starts again after SIGKILL (the dead process’s lock is taken over)')
    if (!restarted.ready) return t.comment(restarted.output())
    const again = await restarted.token()
    const missing: string[] = []
    for (const id of acknowledged)
      if ((await serverApi(restarted, again, `/v1/children/${id}`)).status !== 200) missing.push(id)
    t.same(missing, [], `all ${acknowledged.length} acknowledged writes survived`)
    t.match(
      (await serverApi(restarted, again, '/v1/audit-events/verify')).body,
      { ok: true },
      'the audit chain verifies',
    )
  },
)
