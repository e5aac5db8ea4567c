import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { after, before, describe, test } from 'node:test';
import { isCode } from '../src/errors.js';
import { redactHeapSnapshot } from '../src/snapshot-redaction/redact-heap-snapshot.js';
import { startFixture, type Fixture } from './helpers/fixture.js';
import { request } from './helpers/http.js';
import { assertRedacted } from './helpers/redaction-checks.js';
import { secretList } from './helpers/secret-list.js';

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
    const reply = await request(`${app.url}/heapsnapshot`, { token: app.tokens.admin });
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
