import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { startSidecar, type Sidecar } from './helpers/cli.js';
import { startFixture, type Fixture } from './helpers/fixture.js';
import { openStream, request } from './helpers/http.js';

/** Reads server-sent events from a response until `count` have arrived; leaves the stream open. */
function readEvents(res: IncomingMessage, count: number): Promise<Array<{ event: string; data: any }>> {
  return new Promise((resolve, reject) => {
    let text = '';
    const events: Array<{ event: string; data: any }> = [];
    const onData = (chunk: Buffer) => {
      text += chunk.toString('utf8');
      let end;
      while ((end = text.indexOf('\n\n')) >= 0) {
        const block = text.slice(0, end);
        text = text.slice(end + 2);
        const event = /^event: (.+)$/m.exec(block)?.[1] ?? 'message';
        events.push({ event, data: JSON.parse(/^data: (.+)$/m.exec(block)![1]!) });
      }
      if (events.length >= count) {
        res.off('data', onData);
        res.pause();
        resolve(events);
      }
    };
    res.on('data', onData);
    res.on('error', reject);
    res.resume();
  });
}

/** The console's page, an asset, the browser redirect, /whoami and /events, in each mode. */
async function assertConsoleServed(base: string): Promise<void> {
  const page = await request(`${base}/console`);
  assert.equal(page.status, 200, 'the page needs no token');
  assert.equal(page.headers['cache-control'], 'no-store');
  const csp = String(page.headers['content-security-policy']);
  assert.match(csp, /script-src 'self'/);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|https?:/);
  const assets = [...page.body.toString('utf8').matchAll(/(?:src|href)="(console\/assets\/[^"]+)"/g)].map((m) => m[1]!);
  assert.ok(assets.length >= 5);
  for (const asset of assets) {
    assert.match(asset, /\.[0-9a-f]{16}\.(js|css)$/, 'content hash in the name');
    const reply = await request(new URL(asset, `${base}/console`).href);
    assert.equal(reply.status, 200);
    assert.equal(reply.headers['cache-control'], 'public, max-age=31536000, immutable');
  }
  assert.equal((await request(`${base}/console/assets/console.0000000000000000.js`)).status, 404);
  const browser = await request(`${base}/`, { headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' } });
  assert.equal(browser.status, 303);
  assert.equal(browser.headers.location, `${new URL(base).pathname}/console`);
  assert.equal((await request(`${base}/`)).status, 401, 'an API client without a token still gets 401');
}

describe('the console in router mode', () => {
  let app: Fixture;
  before(async () => {
    app = await startFixture({ mode: 'router' });
  });
  after(() => app.stop());

  test('serves the page, hashed immutable assets and the browser redirect', () => assertConsoleServed(app.url));

  test('/whoami answers any token, including one without read', async () => {
    const reply = await request(`${app.url}/whoami`, { token: app.tokens.heap });
    assert.equal(reply.status, 200);
    assert.deepEqual(reply.json(), { tokenId: 'heap', scopes: ['heap'] });
    assert.equal((await request(`${app.url}/whoami`)).status, 401);
  });

  test('/events sends the history, the leak verdict, then samples; it needs read, and at most 4 streams are open at once', async () => {
    assert.equal((await request(`${app.url}/events`, { token: app.tokens.heap })).status, 403);
    const streams = await Promise.all([1, 2, 3, 4].map(() => openStream(`${app.url}/events`, app.tokens.reader)));
    try {
      assert.ok(streams.every((res) => res.statusCode === 200 && res.headers['content-type'] === 'text/event-stream; charset=utf-8'));
      const [history, verdict, sample] = await readEvents(streams[0]!, 3);
      assert.equal(history!.event, 'history');
      assert.equal(history!.data.intervalMs, 1000);
      // The passive verdict, without its evidence: a stream never has the endpoint force full GCs.
      assert.equal(verdict!.event, 'verdict');
      assert.ok(['leak', 'no-leak', 'insufficient-data'].includes(verdict!.data.verdict), JSON.stringify(verdict!.data));
      assert.equal(verdict!.data.leakSuspected, verdict!.data.verdict === 'leak');
      assert.ok(verdict!.data.reason.length > 20);
      assert.equal(verdict!.data.evidence, undefined);
      assert.equal(verdict!.data.automaticConfirmation, undefined);
      assert.equal(sample!.event, 'sample');
      assert.equal(sample!.data.source, 'probe');
      assert.ok(sample!.data.heapUsed > 0 && sample!.data.rss > 0 && sample!.data.mainThreadResponsive === true);
      assert.deepEqual(Object.keys(sample!.data.gc), ['minor', 'major', 'incremental', 'weakcb']);
      const fifth = await request(`${app.url}/events`, { token: app.tokens.reader });
      assert.equal(fifth.status, 429);
      assert.equal(fifth.json().error.code, 'RATE_LIMITED');
      assert.ok(Number(fifth.headers['retry-after']) > 0);
    } finally {
      for (const res of streams) res.destroy();
    }
  });
});

describe('the console through a sidecar', () => {
  let app: Fixture;
  let sidecar: Sidecar;
  before(async () => {
    app = await startFixture({ mode: 'plain', nodeArgs: ['--inspect=127.0.0.1:0'] });
    sidecar = await startSidecar(['--target', `127.0.0.1:${app.inspectorPort}`]);
  });
  after(async () => {
    await sidecar.stop();
    await app.stop();
  });

  test('serves the console, and /events reads the target through the inspector while a stream is open', async () => {
    await assertConsoleServed(sidecar.url);
    const res = await openStream(`${sidecar.url}/events`, sidecar.token);
    try {
      // The first sample may precede the target's first answer; a later one carries its figures.
      const events = await readEvents(res, 4);
      const samples = events.filter((e) => e.event === 'sample').map((e) => e.data);
      assert.ok(samples.every((s) => s.source === 'inspector' && s.gc === null && s.mainThreadResponsive === null));
      assert.ok(samples.some((s) => s.heapUsed > 0 && s.rss > 0), JSON.stringify(samples));
      assert.ok(events.every((e) => e.event !== 'verdict'), 'no probe runs in the target: no verdict on the stream');
    } finally {
      res.destroy();
    }
  });
});
