import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { StackSnapshot } from '../src/operations/js-stack.js';
import { formatGoroutineDump } from '../src/operations/pprof/goroutine-dump.js';
import { KEEP_FUNCTION_NAMES, startFixture, type Fixture } from './helpers/fixture.js';
import { eventually, request } from './helpers/http.js';

/** One goroutine of Go's `goroutine?debug=2` text: a header, then function and tab-indented file:line pairs. */
const GO_GOROUTINE = /^goroutine (\d+) \[([^\]]+)\]:\n((?:[^\n]+\(\.\.\.\)\n\t[^\n]+:\d+\n)+)$/;

function framesOf(dump: string): Array<{ name: string; file: string; line: number }> {
  const body = GO_GOROUTINE.exec(dump)![3]!;
  return [...body.matchAll(/^([^\n]+)\(\.\.\.\)\n\t([^\n]+):(\d+)$/gm)].map((match) => ({ name: match[1]!, file: match[2]!, line: Number(match[3]) }));
}

describe('/stack as Go goroutine?debug=2 text', () => {
  let app: Fixture;
  before(async () => {
    app = await startFixture({ mode: 'worker', nodeArgs: KEEP_FUNCTION_NAMES });
  });
  after(() => app.stop());

  test('a blocked loop: goroutine 1 [running] with the JavaScript frames, innermost first, as Go writes them', async () => {
    // Far longer than a request takes even on a loaded machine: /stack must land inside the block.
    const { unblocked } = await app.block(10_000);
    const snapshot = (await request(`${app.url}/stack`, { token: app.tokens.admin })).json<StackSnapshot>();
    await unblocked;
    assert.equal(snapshot.state, 'running');
    const dump = formatGoroutineDump(snapshot);
    const header = GO_GOROUTINE.exec(dump);
    assert.ok(header, dump);
    assert.equal(header[1], '1');
    assert.equal(header[2], 'running');
    const frames = framesOf(dump);
    assert.equal(frames.length, snapshot.frames.length);
    assert.equal(frames[0]!.name, 'busyLoop');
    // File URLs become absolute paths, as Go prints them; lines are the snapshot's own.
    assert.match(frames[0]!.file, /^\/.*\/fixtures\/app\.js$/);
    assert.equal(frames[0]!.line, snapshot.frames[0]!.line);
    frames.forEach((frame, index) => {
      const source = snapshot.frames[index]!;
      assert.equal(frame.name, `${source.async ? 'async ' : ''}${source.functionName}`);
      assert.equal(frame.line, source.line ?? 0);
    });
  });

  test('an idle loop: goroutine 1 [IO wait] with one frame that says so', async () => {
    const snapshot = await eventually(async () => {
      const reply = (await request(`${app.url}/stack`, { token: app.tokens.admin })).json<StackSnapshot>();
      return reply.state === 'idle' ? reply : undefined;
    }, 10_000, 'the app to be idle');
    const dump = formatGoroutineDump(snapshot);
    assert.equal(dump, 'goroutine 1 [IO wait]:\n(idle in the event loop)(...)\n\t?:0\n');
    assert.match(dump, GO_GOROUTINE);
  });
});
