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
let failed = false;

function fail(error: unknown): void {
  if (failed) return;
  failed = true;
  spill?.close();
  post({ type: 'error', message: error instanceof Error ? error.message : String(error) });
  reader?.destroy();
}

let reader: Socket | undefined;
try {
  // Non-blocking, so this open does not wait for the writer, and the writer's open finds a reader.
  reader = new Socket({ fd: openSync(init.path, constants.O_RDONLY | constants.O_NONBLOCK), readable: true, writable: false });
  reader.on('data', (chunk: Buffer) => {
    if (failed) return;
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
      fail(error);
    }
  });
  reader.once('end', () => {
    if (failed) return;
    post({ type: 'end', postedBytes: posted, spill: spill?.handOver() });
  });
  reader.once('error', fail);
  post({ type: 'ready' });
} catch (error) {
  fail(error);
}
