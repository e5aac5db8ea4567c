import { constants, openSync } from 'node:fs';
import { Socket } from 'node:net';
import { parentPort, workerData } from 'node:worker_threads';
import { SpillFile } from './spill-file.js';
import type { PipeReaderInit, PipeReaderMessage } from './pipe-reader-messages.js';

/**
 * Drains a named pipe for a writer on another thread that cannot be read from while it writes: the
 * writer is the thread that would read it (an in-process heap snapshot freezes the app's own thread).
 * The first `memoryLimitBytes` are posted to the parent as they arrive, where they wait in its message
 * queue until it is free; the rest goes to a private, already-unlinked spill file whose descriptor is
 * handed over at the end. So the writer runs at the pipe's speed, and memory stays bounded.
 */
const init = workerData as PipeReaderInit;
const port = parentPort!;
const post = (message: PipeReaderMessage) => port.postMessage(message);

let posted = 0;
let spill: SpillFile | undefined;
/** Set when staging failed (a full disk, say); the reader then only drains until the writer is done. */
let failure: string | undefined;

function stagingFailed(error: unknown): void {
  if (failure !== undefined) return;
  failure = error instanceof Error ? error.message : String(error);
  try {
    spill?.close();
  } finally {
    spill = undefined;
  }
}

try {
  // Non-blocking, so this open does not wait for the writer, and the writer's open finds a reader.
  const reader = new Socket({ fd: openSync(init.path, constants.O_RDONLY | constants.O_NONBLOCK), readable: true, writable: false });
  reader.on('data', (chunk: Buffer) => {
    // After a failure, keep reading and dropping: a writer whose pipe closes under it gets EPIPE, and
    // v8.writeHeapSnapshot then throws without closing its descriptor, leaking it in the app.
    if (failure !== undefined) return;
    try {
      if (spill === undefined && posted + chunk.length <= init.memoryLimitBytes) {
        posted += chunk.length;
        // A read buffer that owns its whole memory is moved, not copied: the staged part then exists once.
        const owned = chunk.byteOffset === 0 && chunk.buffer.byteLength === chunk.length;
        port.postMessage({ type: 'chunk', data: chunk } satisfies PipeReaderMessage, owned ? [chunk.buffer as ArrayBuffer] : []);
      } else {
        spill ??= new SpillFile(init.tmpdir);
        spill.append(chunk);
      }
    } catch (error) {
      stagingFailed(error);
    }
  });
  reader.once('end', () => {
    post(failure === undefined ? { type: 'end', spill: spill?.handOver() } : { type: 'error', message: failure });
  });
  reader.once('error', (error) => {
    stagingFailed(error);
    post({ type: 'error', message: failure! });
  });
  post({ type: 'ready' });
} catch (error) {
  post({ type: 'error', message: error instanceof Error ? error.message : String(error) });
}
