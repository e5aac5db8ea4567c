import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import type { Socket } from 'node:net';
import { after, describe, test } from 'node:test';
import { startFixture, type Fixture, type Mode } from './helpers/fixture.js';
import { eventually, idleConnections, openStream, request } from './helpers/http.js';

/**
 * The incident the endpoint exists for: an app leaking sockets until it runs out of descriptors. With
 * the limit at 1024, 1,100 idle connections to the app's own port use up every descriptor the process
 * has. Whatever of ours runs meanwhile (timers sampling memory, the server thread accepting, the audit
 * log) may lose its feature for that while, but must not end the app, nor stay broken once the
 * descriptors come back.
 */

const FLOOD = 1_100;
const LIMIT = 1_024;
/** How long the app is kept out of descriptors: several ticks of every one-second timer of ours. */
const EXHAUSTED_MS = 4_000;

/** How many descriptors `pid` holds; 0 once it has exited. */
function openDescriptors(pid: number): number {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return 0;
  }
}

for (const mode of ['worker', 'router'] satisfies Mode[]) {
  describe(`the app's own port flooded until it has no descriptor left (${mode} mode)`, () => {
    let app: Fixture | undefined;
    let sockets: Socket[] = [];
    after(async () => {
      for (const socket of sockets) socket.destroy();
      await app?.stop();
    });

    test('the app survives, and the app and the endpoint answer once the connections close', async () => {
      app = await startFixture({ mode, maxOpenFiles: LIMIT });
      const pid = app.child.pid!;
      sockets = await idleConnections(app.appUrl, FLOOD);
      const exited = () => app!.child.exitCode !== null || app!.child.signalCode !== null;
      await eventually(async () => exited() || openDescriptors(pid) >= LIMIT - 8, 60_000, 'the app to run out of descriptors');
      const exhaustedFrom = Date.now();
      // Out of descriptors for a while: every timer of ours ticks a few times in that state.
      await eventually(async () => exited() || Date.now() - exhaustedFrom >= EXHAUSTED_MS, 60_000, 'the exhaustion to last');
      assert.equal(app.child.exitCode, null, 'the app did not exit');
      assert.equal(app.child.signalCode, null, 'the app was not killed');
      assert.ok(openDescriptors(pid) >= LIMIT - 8, 'still out of descriptors at the end of the window');
      const exhaustedUntil = Date.now();

      for (const socket of sockets) socket.destroy();
      await eventually(async () => openDescriptors(pid) < LIMIT / 2, 60_000, 'the flood sockets to close in the app');

      const own = await eventually(async () => {
        const reply = await request(app!.appUrl).catch(() => undefined);
        return reply?.status === 200 ? reply : undefined;
      }, 60_000, 'the app to answer');
      assert.equal(own.body.toString(), 'the app');
      const memory = await eventually(async () => {
        const reply = await request(`${app!.url}/memory`, { token: app!.tokens.reader }).catch(() => undefined);
        return reply?.status === 200 ? reply : undefined;
      }, 60_000, 'the endpoint to answer');
      assert.equal(typeof memory.json().rss, 'number');

      // The console's history kept its samples through the exhaustion (rss unknown then, not a crash).
      const stream = await openStream(`${app.url}/events`, app.tokens.reader);
      const first = await new Promise<string>((resolve, reject) => {
        let text = '';
        stream.setEncoding('utf8');
        stream.on('data', (chunk: string) => {
          text += chunk;
          if (text.includes('\n\n')) resolve(text);
        });
        stream.on('error', reject);
        stream.resume();
      });
      stream.destroy();
      const history = JSON.parse(/^event: history\ndata: (.*)$/m.exec(first)![1]!) as { samples: Array<{ t: number }> };
      const during = history.samples.filter((sample) => sample.t > exhaustedFrom && sample.t < exhaustedUntil);
      assert.ok(during.length > 0, 'samples were taken while the app had no descriptor left');
      assert.equal(app.child.exitCode, null, 'the app is alive');
    });
  });
}
