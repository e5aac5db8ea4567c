import { execFileSync } from 'node:child_process';
import { constants, openSync } from 'node:fs';
import { Socket } from 'node:net';
import { join } from 'node:path';
import tmp from 'tmp';
import type { CdpTarget } from '../targets/target.js';

let pipesUnavailable = process.platform === 'win32';

/** False once making a named pipe has failed here (no mkfifo, say): callers then use another engine. */
export function namedPipesAvailable(): boolean {
  return !pipesUnavailable;
}

/** Raised when no named pipe could be made; nothing was asked of the target yet. */
export class NamedPipeUnavailableError extends Error {
  readonly code = 'ERR_NAMED_PIPE_UNAVAILABLE';
}

/**
 * Streams a heap snapshot through a named pipe: the target's own `v8.writeHeapSnapshot()` writes into a
 * FIFO (made 0600 in a fresh 0700 directory) and this thread reads the other end as V8 writes. V8's
 * native file stream is as fast as its floor, where the inspector's chunk events add about a fifth
 * (each chunk is re-encoded into a protocol message). The pipe also gives real backpressure, and no
 * byte of the snapshot ever touches the disk: the FIFO holds no data.
 *
 * The writer must run on another thread than the reader, and see this file system: the caller checks
 * the target's `sharedFileSystem` capability.
 */
export async function pipeHeapSnapshot(
  target: CdpTarget,
  onChunk: (chunk: Buffer) => void,
  options: { exposeInternals: boolean; captureNumericValue: boolean },
): Promise<void> {
  const dir = tmp.dirSync({ mode: 0o700, prefix: 'maintenance-endpoint-pipe-', unsafeCleanup: true });
  try {
    const path = join(dir.name, 'heapsnapshot.fifo');
    try {
      execFileSync('mkfifo', ['-m', '600', path], { stdio: 'ignore', timeout: 5000 });
    } catch (error) {
      pipesUnavailable = true;
      throw new NamedPipeUnavailableError(`mkfifo failed: ${(error as Error).message}`);
    }
    // Opened non-blocking first, so the target's open() for writing finds a reader and does not wait.
    const reader = new Socket({ fd: openSync(path, constants.O_RDONLY | constants.O_NONBLOCK), readable: true, writable: false });
    const drained = new Promise<void>((resolve, reject) => {
      reader.on('data', onChunk);
      reader.once('end', resolve);
      reader.once('error', reject);
    });
    const writeOptions = JSON.stringify({ exposeInternals: options.exposeInternals, exposeNumericValues: options.captureNumericValue });
    const reply = await target.send<{ exceptionDetails?: { text: string; exception?: { description?: string } } }>('Runtime.evaluate', {
      expression: `void require('node:v8').writeHeapSnapshot(${JSON.stringify(path)}, ${writeOptions})`,
      includeCommandLineAPI: true,
      silent: true,
    });
    if (reply.exceptionDetails !== undefined) {
      reader.destroy();
      throw new Error(`v8.writeHeapSnapshot failed in the target: ${reply.exceptionDetails.exception?.description ?? reply.exceptionDetails.text}`);
    }
    await drained;
  } finally {
    dir.removeCallback();
  }
}
