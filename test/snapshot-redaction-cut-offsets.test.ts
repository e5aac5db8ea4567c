import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { Worker } from 'node:worker_threads';
import fc from 'fast-check';
import { isCode } from '../src/errors.js';
import { SnapshotRedactor } from '../src/snapshot-redaction/redact-heap-snapshot.js';

/**
 * The redaction fed a real heap snapshot's bytes cut at any offset, or with one byte changed, added or
 * dropped anywhere, in chunks of any size: it must end with an error whenever the input is not a whole
 * JSON document, never cleanly (a consumer would then close a file that looks whole). JSON.parse is the
 * judge of what is whole.
 */

/** A real snapshot, of a worker thread of this process holding strings with escapes, non-ASCII text and a dictionary. */
async function realSnapshot(): Promise<Buffer> {
  const dir = mkdtempSync(join(tmpdir(), 'me-cut-offsets-'));
  try {
    const path = join(dir, 'worker.heapsnapshot');
    const worker = new Worker(
      `const { parentPort, workerData } = require('node:worker_threads');
       globalThis.kept = Array.from({ length: 2000 }, (_, i) => ({ text: 'line ' + i + '\\n"quoted" \\\\ tab\\t é ✓ 🙂 \\u0001', id: 'id' + i }));
       globalThis.dictionary = Object.fromEntries(Array.from({ length: 200 }, (_, i) => ['session' + i + 'x9f3a2b7c1d', i]));
       require('node:v8').writeHeapSnapshot(workerData);
       parentPort.postMessage('written');`,
      { eval: true, workerData: path },
    );
    await new Promise((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    await worker.terminate();
    return readFileSync(path);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Redacts `bytes` in chunks of `chunkSize`: 'ended' when the redaction took it as whole, else the error. */
function redactionOutcome(bytes: Buffer, chunkSize: number): 'ended' | unknown {
  const redactor = new SnapshotRedactor();
  try {
    for (let at = 0; at < bytes.length; at += chunkSize) redactor.write(bytes.subarray(at, at + chunkSize));
    redactor.end();
    return 'ended';
  } catch (error) {
    return error;
  }
}

const isWholeJson = (bytes: Buffer): boolean => {
  try {
    JSON.parse(bytes.toString('utf8'));
    return true;
  } catch {
    return false;
  }
};

describe('the redaction of a real snapshot cut or changed anywhere', () => {
  let raw: Buffer;
  /** Offsets where the format changes state: section starts and ends, quotes, escapes, commas and brackets, the header. */
  let landmarks: number[];
  /** Where the document ends: the offset after its closing brace (V8 writes nothing after it). */
  let documentEnd: number;
  before(async () => {
    raw = await realSnapshot();
    documentEnd = raw.lastIndexOf('}') + 1;
    const interesting = new Set([0x22, 0x5c, 0x2c, 0x5b, 0x5d, 0x7b, 0x7d, 0x3a]);
    landmarks = [];
    // Every such byte of the header and the section boundaries, and a sample of the rest (the strings' quotes and escapes are many).
    const stringsAt = raw.indexOf('"strings":');
    for (let i = 0; i < raw.length; i++) if (interesting.has(raw[i]!) && (i < 2000 || i >= stringsAt || raw[i] !== 0x2c)) landmarks.push(i);
  });

  test('the whole snapshot, in chunks of any size, ends cleanly (the judge agrees)', () => {
    assert.ok(isWholeJson(raw));
    assert.equal(documentEnd, raw.length, 'nothing after the closing brace');
    fc.assert(fc.property(fc.integer({ min: 1, max: 1 << 17 }), (chunkSize) => redactionOutcome(raw, chunkSize) === 'ended'), { numRuns: 20 });
  });

  test('cut at any offset, in chunks of any size, it ends with SNAPSHOT_MALFORMED', () => {
    const offsets = fc.oneof(fc.integer({ min: 0, max: documentEnd - 1 }), fc.constantFrom(...landmarks).chain((at) => fc.integer({ min: at - 1, max: at + 1 })).filter((at) => at >= 0 && at < documentEnd));
    fc.assert(
      fc.property(offsets, fc.integer({ min: 1, max: 1 << 17 }), (at, chunkSize) => {
        const outcome = redactionOutcome(raw.subarray(0, at), chunkSize);
        assert.ok(isCode(outcome, 'SNAPSHOT_MALFORMED'), `cut at ${at} of ${raw.length}: ${outcome === 'ended' ? 'ended cleanly' : String(outcome)}`);
      }),
      { numRuns: 120 },
    );
  });

  test('with one byte changed, added or dropped anywhere, it ends with an error whenever the result is no JSON document', () => {
    const positions = fc.oneof(fc.integer({ min: 0, max: raw.length - 1 }), fc.constantFrom(...landmarks).chain((at) => fc.integer({ min: at, max: Math.min(at + 6, raw.length - 1) })));
    const bytes = fc.oneof(fc.constantFrom(...Buffer.from('"\\,:[]{}x0-. \n\u0001u')), fc.integer({ min: 0, max: 255 }));
    const edits = fc.record({ kind: fc.constantFrom('change', 'add', 'drop'), at: positions, byte: bytes });
    let judgedMalformed = 0;
    fc.assert(
      fc.property(edits, fc.integer({ min: 1, max: 1 << 17 }), ({ kind, at, byte }, chunkSize) => {
        const edited = kind === 'change' ? Buffer.from(raw) : kind === 'add' ? Buffer.concat([raw.subarray(0, at), Buffer.of(byte), raw.subarray(at)]) : Buffer.concat([raw.subarray(0, at), raw.subarray(at + 1)]);
        if (kind === 'change') edited[at] = byte;
        if (isWholeJson(edited)) return;
        judgedMalformed++;
        const outcome = redactionOutcome(edited, chunkSize);
        assert.notEqual(outcome, 'ended', `${kind} ${JSON.stringify(String.fromCharCode(byte))} at ${at} (${JSON.stringify(raw.subarray(Math.max(at - 20, 0), at + 20).toString('latin1'))}): the redaction ended cleanly`);
      }),
      { numRuns: 160 },
    );
    assert.ok(judgedMalformed > 40, `most edits break the document (${judgedMalformed} of 160)`);
  });
});
