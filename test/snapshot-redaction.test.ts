import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { after, before, describe, test } from 'node:test';
import { isCode } from '../src/errors.js';
import { redactHeapSnapshot } from '../src/snapshot-redaction/redact-heap-snapshot.js';
import { startSidecar } from './helpers/cli.js';
import { startFixture, type Fixture } from './helpers/fixture.js';
import { eventually, gunzip, request } from './helpers/http.js';
import { assertWholeSnapshotWithPlantedObjects } from './helpers/heap-snapshot.js';
import { assertRedacted } from './helpers/redaction-checks.js';
import { openDevTools } from './helpers/devtools-heap-snapshot.js';
import { secretList, secretsIn } from './helpers/secret-list.js';

const SECRETS = 10_000;

/** Runs bytes through a fresh redacting transform in chunks of `chunkSize`; resolves with the output. */
async function redact(bytes: Buffer, chunkSize = 64 * 1024): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += chunkSize) chunks.push(bytes.subarray(at, at + chunkSize));
  const out: Buffer[] = [];
  await pipeline(
    Readable.from(chunks),
    redactHeapSnapshot(),
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        out.push(chunk);
        done();
      },
    }),
  );
  return Buffer.concat(out);
}

/** The hashes made unrecognisable: two redactions of one snapshot differ only there (each has its own key). */
const withoutHashes = (bytes: Buffer) => bytes.toString('utf8').replace(/<redacted:len=(\d+):[0-9a-f]{16}>/g, '<redacted:len=$1>');

describe('redaction of a real heap snapshot as it streams', () => {
  let app: Fixture;
  let raw: Buffer;
  let secrets: string[];
  before(async () => {
    app = await startFixture({ mode: 'worker' });
    const seed = randomBytes(16).toString('hex');
    secrets = secretList(seed, SECRETS);
    await app.command({ cmd: 'plant-secrets', seed, count: SECRETS }, 'planted-secrets');
    const reply = await request(`${app.url}/heapsnapshot?redact=false`, { token: app.tokens.admin });
    assert.equal(reply.status, 200);
    raw = reply.body;
  });
  after(() => app.stop());

  test('not one of 10,000 planted secrets is left, and the graph, its classes and its names are as V8 wrote them', async () => {
    await assertRedacted(await redact(raw), raw, secrets, { sameHeap: true });
  });

  test('any chunking gives the same bytes, hashes aside; each snapshot gets a key of its own', async () => {
    const reference = await redact(raw);
    for (const size of [97, 4093, 1 << 20]) assert.equal(withoutHashes(await redact(raw, size)), withoutHashes(reference), `chunks of ${size}`);
    const again = await redact(raw);
    assert.notDeepEqual(again, reference, 'a fresh key gives other hashes');
    assert.equal(withoutHashes(again), withoutHashes(reference));
  });

  test('the redacted snapshot loads in Chromium\'s DevTools: the node count V8 wrote, the raw one\'s Summary, planted classes in it', async () => {
    const redacted = await redact(raw);
    const devTools = await openDevTools();
    try {
      const loaded = await devTools.load(redacted);
      const nodeCount = (JSON.parse(raw.toString('utf8')) as { snapshot: { node_count: number } }).snapshot.node_count;
      assert.equal(loaded.nodeCount, nodeCount);
      for (const name of ['PlantedSecretHolder', 'PlantedSessionStore']) assert.ok(loaded.summary.some((line) => line.startsWith(`${name} `)), `${name} in the Summary`);
      // DevTools names a class of plain objects by its properties ({a, b}), and a dictionary's keys are redacted: those names differ.
      const named = (summary: string[]) => summary.filter((line) => !line.startsWith('{'));
      const figures = (summary: string[]) => summary.map((line) => line.split(' ').slice(-3).join(' ')).sort();
      const rawSummary = (await devTools.load(raw)).summary;
      assert.deepEqual(named(loaded.summary), named(rawSummary), 'each named class with the raw one\'s count, shallow and retained size');
      assert.deepEqual(figures(loaded.summary), figures(rawSummary), 'and every class, by its figures');
      // The same loader refuses what is not whole: this check can fail.
      await assert.rejects(devTools.load(redacted.subarray(0, redacted.indexOf('"strings"') + 100)), /DevTools/);
    } finally {
      await devTools.close();
    }
  });

  test('a truncated or malformed stream ends as an error, never as a document that looks whole', async () => {
    const text = raw.toString('latin1');
    const cuts = {
      'in the header': 20,
      'in nodes': text.indexOf('"nodes"') + 1000,
      'in edges': text.indexOf('"edges"') + 1000,
      'in strings': text.indexOf('"strings"') + 5000,
      'before the last brace': raw.length - 1,
    };
    for (const [where, at] of Object.entries(cuts)) {
      await assert.rejects(redact(raw.subarray(0, at)), (error) => isCode(error, 'SNAPSHOT_MALFORMED'), `cut ${where}`);
    }
    const broken = Buffer.from(raw);
    broken[text.indexOf('"edges"') + 500] = 0x78; // an "x" among the numbers
    await assert.rejects(redact(broken), (error) => isCode(error, 'SNAPSHOT_MALFORMED'), 'a stray byte');
    const header = text.slice(0, text.indexOf(',\n"nodes"'));
    const stringsFirst = Buffer.from(`${header},\n"strings":["secret"],\n"nodes":[],\n"edges":[]}`);
    await assert.rejects(redact(stringsFirst), /"strings" comes before "nodes"/, 'strings before the graph');
  });
});

/** An endpoint over an app holding planted secrets: the fixture itself (worker, router) or sidecars inspecting it. */
interface Served {
  /** Where a token with the heap scope alone downloads, and where one with heap and heap-raw does. */
  heapOnly: { url: string; token: string };
  raw: { url: string; token: string };
  /** The audit lines of both. */
  auditLines(): Array<Record<string, unknown>>;
  stop(): Promise<void>;
}

function auditLinesOf(file: string): Array<Record<string, unknown>> {
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>) : [];
}

async function serveWithSecrets(mode: 'worker' | 'router' | 'sidecar', seed: string): Promise<Served> {
  if (mode !== 'sidecar') {
    const app = await startFixture({ mode, options: { rateLimit: { heavy: { limit: 100 } } } });
    await app.command({ cmd: 'plant-secrets', seed, count: SECRETS }, 'planted-secrets');
    return { heapOnly: { url: app.url, token: app.tokens.heap }, raw: { url: app.url, token: app.tokens.admin }, auditLines: () => app.auditLines(), stop: () => app.stop() };
  }
  const app = await startFixture({ mode: 'plain', nodeArgs: ['--inspect=127.0.0.1:0'] });
  const started: Array<{ stop(): Promise<void> }> = [app];
  const stop = async () => {
    for (const one of started.reverse()) await one.stop();
  };
  try {
    await app.command({ cmd: 'plant-secrets', seed, count: SECRETS }, 'planted-secrets');
    const heapOnly = await startSidecar(['--target', `127.0.0.1:${app.inspectorPort}`], { scopes: ['heap'] });
    started.push(heapOnly);
    const raw = await startSidecar(['--target', `127.0.0.1:${app.inspectorPort}`], { scopes: ['heap', 'heap-raw'] });
    started.push(raw);
    return {
      heapOnly: { url: heapOnly.url, token: heapOnly.token },
      raw: { url: raw.url, token: raw.token },
      auditLines: () => [...auditLinesOf(join(heapOnly.dir, 'audit.log')), ...auditLinesOf(join(raw.dir, 'audit.log'))],
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

const redactedIn = (line: Record<string, unknown>) => (line.result as { redacted?: boolean } | undefined)?.redacted;

for (const mode of ['worker', 'router', 'sidecar'] as const) {
  describe(`GET /heapsnapshot is redacted by default (${mode} mode)`, () => {
    let served: Served;
    let secrets: string[];
    before(async () => {
      const seed = randomBytes(16).toString('hex');
      secrets = secretList(seed, SECRETS);
      served = await serveWithSecrets(mode, seed);
    });
    after(() => served.stop());

    test('the download, gzip decoded, holds not one secret; the raw one taken right after holds them all', async () => {
      const reply = await request(`${served.heapOnly.url}/heapsnapshot`, { token: served.heapOnly.token, headers: { 'accept-encoding': 'gzip' } });
      assert.equal(reply.status, 200);
      assert.equal(reply.headers['content-encoding'], 'gzip');
      const raw = await request(`${served.raw.url}/heapsnapshot?redact=false`, { token: served.raw.token });
      assert.equal(raw.status, 200);
      await assertRedacted(gunzip(reply.body), raw.body, secrets, { sameHeap: false });
      // Audit lines are written when the server closes the response, a moment after the client read its end.
      const audit = await eventually(async () => served.auditLines().find((line) => redactedIn(line) === true), 20_000, 'the audit line');
      assert.ok(Number((audit.result as { redactedStrings?: number }).redactedStrings) >= SECRETS, 'the audit line counts the redacted strings');
      await eventually(async () => served.auditLines().some((line) => redactedIn(line) === false), 20_000, 'the raw download\'s audit line');
    });

    test('redact=false needs the heap-raw scope: a heap token gets 403 naming it', async () => {
      const reply = await request(`${served.heapOnly.url}/heapsnapshot?redact=false`, { token: served.heapOnly.token });
      assert.equal(reply.status, 403);
      assert.match(reply.json().error.message, /"heap-raw"/);
    });
  });
}

describe('scheduled snapshots are redacted, and a raw stored one is redacted as it is served', () => {
  let app: Fixture;
  let secrets: string[];
  before(async () => {
    app = await startFixture({ mode: 'worker', options: { rateLimit: { heavy: { limit: 100 } } } });
    const seed = randomBytes(16).toString('hex');
    secrets = secretList(seed, SECRETS);
    await app.command({ cmd: 'plant-secrets', seed, count: SECRETS }, 'planted-secrets');
  });
  after(() => app.stop());

  const readyJob = async (query: string, token: string) => {
    const scheduled = await request(`${app.url}/heapsnapshot?${query}`, { token });
    assert.equal(scheduled.status, 202);
    const { id } = scheduled.json();
    return eventually(async () => {
      const job = (await request(`${app.url}/dumps/${id}`, { token: app.tokens.admin })).json();
      if (job.status === 'failed') throw new Error(`job failed: ${job.error}`);
      return job.status === 'ready' ? (job as { id: string; redacted: boolean; size: number }) : undefined;
    }, 60_000, `job ${id} to be ready`);
  };

  test('a scheduled snapshot is stored redacted and its record says so', async () => {
    const job = await readyJob('delay=1s', app.tokens.heap);
    assert.equal(job.redacted, true);
    const file = await request(`${app.url}/dumps/${job.id}/file`, { token: app.tokens.heap });
    assert.equal(file.status, 200);
    assert.equal(file.headers['content-length'], String(job.size), 'served as stored');
    assert.deepEqual(secretsIn(file.body, secrets), []);
    assertWholeSnapshotWithPlantedObjects(file.body);
  });

  test('a snapshot stored raw is redacted when served, unless a heap-raw token asks redact=false', async () => {
    const job = await readyJob('delay=1s&redact=false', app.tokens.admin);
    assert.equal(job.redacted, false);
    const served = await request(`${app.url}/dumps/${job.id}/file`, { token: app.tokens.heap });
    assert.equal(served.status, 200);
    assert.equal(served.headers['content-length'], undefined, 'its redacted size is not known in advance');
    const raw = await request(`${app.url}/dumps/${job.id}/file?redact=false`, { token: app.tokens.admin });
    assert.equal(raw.status, 200);
    assert.equal(raw.body.length, job.size);
    await assertRedacted(served.body, raw.body, secrets, { sameHeap: true });
    const refused = await request(`${app.url}/dumps/${job.id}/file?redact=false`, { token: app.tokens.heap });
    assert.equal(refused.status, 403);
    assert.match(refused.json().error.message, /"heap-raw"/);
    const audit = await eventually(async () => app.auditLines().find((line) => String(line.path).endsWith(`/dumps/${job.id}/file`) && redactedIn(line) === true), 20_000, 'the audit line');
    assert.equal(audit.status, 200);
  });
});
