import { createWriteStream, renameSync, rmSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { basename } from 'node:path';
import { PassThrough, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { CliError } from './cli-error.js';
import { ProgressBar, type ProgressStream } from './progress-bar.js';

export interface Downloaded {
  file: string;
  /** Bytes in the file, after decompression. */
  bytes: number;
  /** Bytes received from the endpoint (smaller when the transfer was gzipped). */
  wireBytes: number;
}

/** The file name the endpoint suggests in Content-Disposition, reduced to a base name (no path from the network). */
export function suggestedName(response: IncomingMessage): string | undefined {
  const match = /filename="([^"]+)"/.exec(String(response.headers['content-disposition'] ?? ''));
  const name = match ? basename(match[1]!) : undefined;
  return name === undefined || name === '' || name === '.' || name === '..' ? undefined : name;
}

/**
 * Streams a response into `file`, by way of `<file>.partial` renamed only once complete, so an
 * interrupted download never leaves a file that looks whole. A gzipped transfer is decoded on the way;
 * the progress line counts both what arrives and what the file receives. `tap` sees each decoded chunk on
 * its way to the file (one pass over the download: `heapsnapshot --analyze` reads the snapshot there).
 */
export async function download(response: IncomingMessage, file: string, label: string, stream: ProgressStream = process.stderr, tap?: (chunk: Buffer) => void): Promise<Downloaded> {
  const partial = `${file}.partial`;
  const progress = new ProgressBar(`${label} -> ${file}`, stream);
  const compressed = response.headers['content-encoding'] === 'gzip';
  const count = (add: (bytes: number) => void, see?: (chunk: Buffer) => void) =>
    new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        add(chunk.length);
        see?.(chunk);
        callback(null, chunk);
      },
    });
  response.on('aborted', () => response.destroy(new Error('the endpoint closed the connection before the end')));
  try {
    await pipeline(
      response,
      count((bytes) => progress.received(bytes, compressed)),
      compressed ? createGunzip() : new PassThrough(),
      count((bytes) => progress.written(bytes), tap),
      createWriteStream(partial, { mode: 0o600 }),
    );
    if (!response.complete) throw new Error('the download ended early');
    renameSync(partial, file);
  } catch (error) {
    rmSync(partial, { force: true });
    progress.done(`${label}: failed`);
    throw new CliError(`Download of ${file} failed: ${(error as Error).message}; nothing was kept.`);
  }
  progress.done(`${label}: wrote ${file}, ${progress.describeBytes()}`);
  return { file, bytes: progress.fileBytes, wireBytes: progress.wireBytes };
}
