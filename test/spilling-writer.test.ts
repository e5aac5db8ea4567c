import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, describe, test } from 'node:test';
import { SpillingWriter } from '../src/streaming/spilling-writer.js';

/** A destination that takes `bytesPerTick` then makes the writer wait: a slow network client. */
function slowSink(highWaterMark: number, delayMs: number): { sink: Writable; received: Buffer[] } {
  const received: Buffer[] = [];
  const sink = new Writable({
    highWaterMark,
    write(chunk: Buffer, _encoding, callback) {
      received.push(chunk);
      setTimeout(callback, delayMs);
    },
  });
  return { sink, received };
}

function chunkOf(index: number, size: number): string {
  return `${index}:`.padEnd(size, String.fromCharCode(97 + (index % 26)));
}

describe('SpillingWriter', () => {
  const dir = mkdtempSync(join(tmpdir(), 'me-spill-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('a destination that keeps up: everything in order, nothing spilled', async () => {
    const received: Buffer[] = [];
    const sink = new Writable({ write: (chunk: Buffer, _e, cb) => (received.push(chunk), cb()) });
    const writer = new SpillingWriter(sink, { memoryLimitBytes: 1024, tmpdir: dir });
    for (let i = 0; i < 100; i++) writer.write(chunkOf(i, 100));
    await writer.end();
    assert.equal(Buffer.concat(received).toString(), Array.from({ length: 100 }, (_, i) => chunkOf(i, 100)).join(''));
    assert.equal(writer.stats.spilledBytes, 0);
  });

  test('a slow destination: memory stays within the bound, the rest spills, order is kept, no file remains', async () => {
    const { sink, received } = slowSink(4096, 1);
    const limit = 64 * 1024;
    const writer = new SpillingWriter(sink, { memoryLimitBytes: limit, tmpdir: dir });
    const expected: string[] = [];
    // A producer that never waits, as V8 pushes snapshot chunks, interleaved with the drain.
    for (let round = 0; round < 20; round++) {
      for (let i = 0; i < 50; i++) {
        const chunk = chunkOf(round * 50 + i, 1000);
        expected.push(chunk);
        writer.write(chunk);
      }
      assert.ok(writer.stats.peakMemoryBacklogBytes <= limit, 'memory backlog bounded');
      await new Promise((resolve) => setImmediate(resolve));
    }
    assert.ok(writer.stats.spilledBytes > 0, 'the backlog spilled');
    await writer.end();
    assert.equal(Buffer.concat(received).toString(), expected.join(''));
    assert.deepEqual(readdirSync(dir), []);
  });

  test('destroy mid-stream drops the backlog and closes the spill file', async () => {
    const { sink } = slowSink(1024, 5);
    const writer = new SpillingWriter(sink, { memoryLimitBytes: 2048, tmpdir: dir });
    for (let i = 0; i < 100; i++) writer.write(chunkOf(i, 1000));
    assert.ok(writer.stats.spilledBytes > 0);
    writer.destroy();
    writer.write('ignored after destroy');
    assert.equal(sink.destroyed, true);
    await assert.rejects(writer.end());
    assert.deepEqual(readdirSync(dir), []);
  });

  test('a producer that waits on whenWritable() never makes it buffer or spill', async () => {
    const { sink, received } = slowSink(4096, 1);
    const writer = new SpillingWriter(sink, { memoryLimitBytes: 8192, tmpdir: dir });
    const expected: string[] = [];
    for (let i = 0; i < 300; i++) {
      const chunk = chunkOf(i, 3000);
      expected.push(chunk);
      writer.write(chunk);
      await writer.whenWritable();
    }
    await writer.end();
    assert.equal(Buffer.concat(received).toString(), expected.join(''));
    assert.equal(writer.stats.spilledBytes, 0);
    assert.ok(writer.stats.peakMemoryBacklogBytes <= 4096 + 3000, "never more than the destination's own buffer and one chunk");
  });

  test('whenWritable() resolves when the writer is destroyed', async () => {
    const { sink } = slowSink(16, 1000);
    const writer = new SpillingWriter(sink, { memoryLimitBytes: 1 << 20, tmpdir: dir });
    writer.write(chunkOf(0, 1000));
    const waiting = writer.whenWritable();
    assert.ok(waiting, 'the destination is busy');
    writer.destroy();
    await waiting;
  });
});
