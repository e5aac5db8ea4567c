import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { openDescriptorTargets } from './helpers/descriptors.js';
import { dataFilesIn, startFixture, type Fixture, type Mode } from './helpers/fixture.js';
import { eventually, openStream, request } from './helpers/http.js';

const STALL_SECONDS = 2;

for (const mode of ['worker', 'router'] as Mode[]) {
  describe(`a client that stops reading a snapshot (${mode} mode)`, () => {
    let app: Fixture;
    let stalled: IncomingMessage | undefined;
    before(async () => {
      app = await startFixture({
        mode,
        // A small memory bound, so the backlog goes to a spill file the abort must remove.
        options: { stallTimeoutSeconds: STALL_SECONDS, spillThresholdBytes: 256 * 1024, rateLimit: { heavy: { limit: 100 } } },
      });
      // A heap whose snapshot (tens of MB) is far larger than what the sockets' buffers can hold.
      await app.command({ cmd: 'grow-objects', count: 600_000 }, 'grown');
    });
    after(async () => {
      stalled?.destroy();
      await app.stop();
    });

    const openSpillFiles = () => openDescriptorTargets(app.child.pid!).filter((target) => /maintenance-endpoint-[^/]*\/spill-/.test(target));

    test('is cut off after stallTimeoutSeconds: the slot, the backlog and the spill file are freed, and the audit says why', async () => {
      stalled = await openStream(`${app.url}/heapsnapshot`, app.tokens.heap);
      assert.equal(stalled.statusCode, 200);
      stalled.on('error', () => {});
      // Reading nothing: the socket buffers fill, then the server's socket stops taking data.
      let sawSpillFile = false;
      const audit = await eventually(
        async () => {
          sawSpillFile ||= openSpillFiles().length > 0;
          return app.auditLines().find((line) => line.path === '/ops/heapsnapshot' && (line.result as { aborted?: string } | undefined)?.aborted);
        },
        120_000,
        'the stalled download to be aborted',
      );
      const reason = String((audit.result as { aborted: string }).aborted);
      assert.match(reason, /took no data for (\d+) s/);
      const stalledSeconds = Number(/for (\d+) s/.exec(reason)![1]);
      assert.ok(stalledSeconds >= STALL_SECONDS && stalledSeconds <= STALL_SECONDS + 5, `aborted after ${stalledSeconds} s of stall`);
      assert.equal(audit.completed, false);
      assert.ok(sawSpillFile, 'the backlog was held in a spill file while the client stalled');
      // The slot is free: the next snapshot runs (the index lists no operation in progress).
      await eventually(async () => {
        const index = await request(`${app.url}/`, { token: app.tokens.admin });
        return (index.json().operations as unknown[]).length === 0;
      }, 20_000, 'the slot to be freed');
      await eventually(async () => openSpillFiles().length === 0 && dataFilesIn(app.tmpdir).length === 0, 20_000, 'the spill file to be closed');
      // The client never hung up: the server did.
      await eventually(async () => stalled!.destroyed || stalled!.readableAborted || stalled!.complete === false, 5_000, 'the client to see the cut');
      const next = await request(`${app.url}/heapsnapshot?delay=1h`, { token: app.tokens.heap });
      assert.equal(next.status, 202);
    });
  });
}
