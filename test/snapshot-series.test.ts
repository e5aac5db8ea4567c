import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { cliSession, runCli } from './helpers/cli.js';
import { eventually, request } from './helpers/http.js';

interface Survivors {
  basis: string;
  allocated: number;
  survivors: Array<{ name: string; count: number; selfSize: number; path: string }>;
}

/**
 * A diff series against a real app (worker mode): three snapshots through the endpoint with the app's
 * corpus made between them. With the series, analyze --diff A B C follows objects by V8's ids; without
 * it, the ids are given back after each snapshot and the same three-snapshot diff is refused.
 */
describe('heap snapshot diff series (GET /heapsnapshot?series=start|continue|end)', () => {
  const session = cliSession();
  const { cli } = session;
  const snapshot = async (file: string, ...args: string[]) => {
    const run = await cli(['heapsnapshot', '-o', file, ...args]);
    assert.equal(run.code, 0, run.stderr);
    return join(session.dir, file);
  };
  const index = async () => (await request(`${session.app.url}/`, { token: session.app.tokens.admin })).json();

  test('a three-snapshot diff over a series names the planted growing class with its exact count, and no class that did not survive', async () => {
    const first = await snapshot('series-1.heapsnapshot', '--series', 'start');
    const open = (await index()).snapshotSeries;
    assert.equal(open.snapshots, 1);
    const started = audit(session.app.auditLines()).at(-1)!;
    assert.ok(Number((started.admission as Record<string, unknown>).idMapBytes) > 0, 'the first snapshot was admitted with its id map');
    await session.app.command({ cmd: 'series-phase', count: 1 }, 'series-phase');
    const second = await snapshot('series-2.heapsnapshot', '--series', 'continue');
    assert.equal((await index()).snapshotSeries.snapshots, 2);
    await session.app.command({ cmd: 'series-phase', count: 2 }, 'series-phase');
    const third = await snapshot('series-3.heapsnapshot', '--series', 'end');
    assert.equal((await index()).snapshotSeries, null, 'the series ended with its end snapshot');
    const run = await runCli(['analyze', '--diff', '--json', '--top', '10000', first, second, third]);
    assert.equal(run.code, 0, run.stderr);
    const answer = JSON.parse(run.stdout) as Survivors;
    assert.equal(answer.basis, 'object ids');
    const byName = new Map(answer.survivors.map((s) => [s.name, s]));
    assert.equal(byName.get('GrowingRecord')?.count, 677, JSON.stringify(answer.survivors.slice(0, 5)));
    // The global object is `global` to older V8, `global (global*)` to newer (Node 26).
    assert.match(byName.get('GrowingRecord')!.path, /^\(GC roots\) > global( \(global\*\))? > Object "series" > Array "kept" > GrowingRecord\[\d+\]$/, 'held by globalThis.series.kept');
    for (const gone of ['ShortLived', 'Replaced', 'LateRecord']) assert.equal(byName.get(gone), undefined, `${gone} is not listed`);
    const late = await cli(['heapsnapshot', '-o', 'late.heapsnapshot', '--series', 'continue']);
    assert.equal(late.code, 1);
    assert.match(late.stderr, /SNAPSHOT_SERIES/);
  });

  test('without a series the ids are given back after each snapshot, and the same diff is refused', async () => {
    const files = [];
    for (const k of [1, 2, 3]) {
      files.push(await snapshot(`plain-${k}.heapsnapshot`));
      if (k < 3) await session.app.command({ cmd: 'series-phase', count: k }, 'series-phase');
    }
    const run = await runCli(['analyze', '--diff', ...files]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /do not share V8's object ids/);
  });

  test('one series at a time; a series ends by itself at its timeout', async () => {
    await snapshot('timed.heapsnapshot', '--series', 'start', '--series-timeout', '10');
    const again = await request(`${session.app.url}/heapsnapshot?series=start`, { token: session.app.tokens.admin });
    assert.equal(again.status, 409);
    assert.equal(again.json().error.code, 'SNAPSHOT_SERIES');
    assert.match(again.json().error.message, /already open/);
    const { deadline } = (await index()).snapshotSeries;
    await eventually(async () => ((await index()).snapshotSeries === null ? true : undefined), 60_000, 'the series to time out');
    assert.ok(Date.now() >= Date.parse(deadline) - 1000, 'not before its deadline');
    const onWorker = await request(`${session.app.url}/heapsnapshot?series=start&thread=7`, { token: session.app.tokens.admin });
    assert.equal(onWorker.status, 400, 'a series follows the main thread only');
    assert.match(onWorker.json().error.message, /main thread/);
    const after = await request(`${session.app.url}/heapsnapshot?series=end`, { token: session.app.tokens.admin });
    assert.equal(after.status, 409);
    assert.match(after.json().error.message, /none is open/);
  });
});

/** The audit lines of heap snapshots that were admitted, in order. */
function audit(lines: Array<Record<string, unknown>>): Array<Record<string, unknown>> {
  return lines.filter((line) => String(line.path ?? '').endsWith('/heapsnapshot') && line.admission !== undefined);
}
