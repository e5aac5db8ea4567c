import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';

/**
 * `totalBytes` of reproducible data in 64 KiB chunks, each stamped with its index so that no two
 * parts are alike (a misordered or duplicated part changes the hash). `onChunk` sees the count of
 * bytes produced so far; the stream honours backpressure (it produces only when read).
 */
export function generatedStream(totalBytes: number, onChunk?: (producedBytes: number) => void): { stream: Readable; sha256: () => string } {
  const block = Buffer.alloc(64 * 1024);
  for (let i = 0; i < block.length; i++) block[i] = (i * 2654435761) >>> 24;
  const hash = createHash('sha256');
  let produced = 0;
  let index = 0;
  const stream = new Readable({
    highWaterMark: block.length,
    read() {
      if (produced >= totalBytes) return void this.push(null);
      const chunk = Buffer.from(block.subarray(0, Math.min(block.length, totalBytes - produced)));
      if (chunk.length >= 4) chunk.writeUInt32BE(index++ >>> 0, 0);
      hash.update(chunk);
      produced += chunk.length;
      this.push(chunk);
      onChunk?.(produced);
    },
  });
  return { stream, sha256: () => hash.digest('hex') };
}
