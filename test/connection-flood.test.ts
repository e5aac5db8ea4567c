import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { startFixture, type Fixture } from './helpers/fixture.js';
import { eventually, idleConnections, request } from './helpers/http.js';

describe('a flood of idle connections to the endpoint port', () => {
  let app: Fixture;
  let sockets: Socket[] = [];
  before(async () => {
    // 1024 descriptors, as many services run with: 1,100 connections would exhaust them without a cap.
    app = await startFixture({ mode: 'worker', maxOpenFiles: 1024, options: { connections: { headersTimeoutMs: 3_000 } } });
  });
  after(async () => {
    for (const socket of sockets) socket.destroy();
    await app.stop();
  });

  test('is refused past the cap and timed out, while the app and the endpoint keep working', async () => {
    sockets = await idleConnections(app.url, 1_100);
    const open = sockets.filter((socket) => !socket.destroyed && socket.readyState === 'open');
    // Connections past the cap are closed by the server; let those closes arrive.
    await eventually(async () => sockets.filter((socket) => !socket.destroyed).length <= 64 + 16, 60_000, 'connections past the cap to be closed');
    assert.ok(open.length > 0);
    // The app's own server answers throughout, and the process is alive.
    const own = await request(app.appUrl);
    assert.equal(own.status, 200);
    assert.equal(own.body.toString(), 'the app');
    // Idle sockets are closed once the headers timeout passes; then the endpoint answers again.
    await eventually(async () => sockets.every((socket) => socket.destroyed), 60_000, 'idle connections to be closed');
    const memory = await eventually(async () => {
      const reply = await request(`${app.url}/memory`, { token: app.tokens.reader }).catch(() => undefined);
      return reply?.status === 200 ? reply : undefined;
    }, 60_000, 'the endpoint to answer');
    assert.equal(typeof memory.json().rss, 'number');
    assert.equal(app.child.exitCode, null, 'the app is alive');
    assert.equal(app.child.signalCode, null);
    const refused = app.auditLines().filter((line) => line.msg === 'connections refused: maxConnections reached');
    assert.ok(refused.length > 0, 'refusals are in the audit log');
    assert.ok(refused.length < 30, `counted, not one line per connection (${refused.length} lines)`);
    assert.ok(refused.reduce((sum, line) => sum + Number(line.count), 0) >= 1_100 - 64 - 16);
  });
});
