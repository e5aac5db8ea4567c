import { open } from 'node:fs/promises';

const CHUNK = 1 << 20;

/**
 * A file's bytes in chunks read into one reused buffer: reading a file of gigabytes makes no garbage
 * (a read stream allocates a new buffer per chunk, which the process holds until the collector runs).
 * Each chunk is only valid until the next is asked for, which is how the tokenizer reads them.
 */
export async function* fileChunks(path: string): AsyncGenerator<Uint8Array> {
  const file = await open(path, 'r');
  try {
    const buffer = Buffer.allocUnsafe(CHUNK);
    for (;;) {
      const { bytesRead } = await file.read(buffer, 0, CHUNK, null);
      if (bytesRead === 0) return;
      yield buffer.subarray(0, bytesRead);
    }
  } finally {
    await file.close();
  }
}
