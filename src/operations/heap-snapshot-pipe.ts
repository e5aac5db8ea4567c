import { execFileSync } from 'node:child_process';
import { constants, openSync } from 'node:fs';
import { Socket } from 'node:net';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import tmp from 'tmp';
import { SpillFile } from '../streaming/spill-file.js';
import type { PipeReaderInit, PipeReaderMessage } from '../streaming/pipe-reader-messages.js';
import type { CdpTarget } from '../targets/target.js';
import { OperationAbortedError } from './abortable-delay.js';

let pipesUnavailable = process.platform === 'win32';

/** False once making a named pipe has failed here (no mkfifo, say): callers then use another engine. */
export function namedPipesAvailable(): boolean {
  return !pipesUnavailable;
}

/** Raised when no named pipe could be made; nothing was asked of the target yet. */
export class NamedPipeUnavailableError extends Error {
  readonly code = 'ERR_NAMED_PIPE_UNAVAILABLE';
}

export interface PipeSnapshotOptions {
  exposeInternals: boolean;
  captureNumericValue: boolean;
}

/** A chunk consumer; a returned promise asks for a pause, honoured where the data is already staged. */
export type ChunkSink = (chunk: Buffer) => void | Promise<void>;

/**
 * Streams a heap snapshot through a named pipe, read on this thread while the target (another thread
 * of this process: a worker's main thread) writes it with its own `v8.writeHeapSnapshot()`. V8's native
 * file stream runs at its floor's speed, where the inspector's chunk events add about a fifth (each
 * chunk is re-encoded into a protocol message). No byte of the snapshot touches the disk: a FIFO holds
 * no data.
 */
export async function pipeHeapSnapshot(target: CdpTarget, onChunk: ChunkSink, options: PipeSnapshotOptions): Promise<void> {
  await withSnapshotPipe(async (path) => {
    // Opened non-blocking first, so the target's open() for writing finds a reader and does not wait.
    const reader = new Socket({ fd: openSync(path, constants.O_RDONLY | constants.O_NONBLOCK), readable: true, writable: false });
    const drained = new Promise<void>((resolve, reject) => {
      reader.on('data', (chunk: Buffer) => void onChunk(chunk));
      reader.once('end', resolve);
      reader.once('error', reject);
    });
    try {
      await writeSnapshotInto(target, path, options);
      await drained;
    } finally {
      reader.destroy();
    }
  });
}

/**
 * The same for a target on this very thread (an in-process session), whose write freezes this thread
 * until V8 is done, so nothing here can read meanwhile. A short-lived reader thread drains the pipe:
 * the first `memoryLimitBytes` wait in memory, the rest in a private unlinked spill file. Once V8 is
 * done, they are handed to `onChunk` in order, waiting whenever it asks for a pause, so a slow client
 * never makes this re-stage what is already staged. V8 still writes at its floor's speed.
 */
export async function pipeHeapSnapshotThroughReaderThread(
  target: CdpTarget,
  onChunk: ChunkSink,
  options: PipeSnapshotOptions & { memoryLimitBytes: number; tmpdir: string | undefined; signal?: AbortSignal },
): Promise<{ stagedOnDiskBytes: number }> {
  let stagedOnDiskBytes = 0;
  await withSnapshotPipe(async (path) => {
    const init: PipeReaderInit = { path, memoryLimitBytes: options.memoryLimitBytes, tmpdir: options.tmpdir };
    // trackUnmanagedFds off: the spill file's descriptor outlives the thread that opened it (it is
    // handed over here), and Node would otherwise close it when that thread exits.
    const reader = new Worker(new URL('../streaming/pipe-reader-thread.js', import.meta.url), {
      workerData: init,
      stdout: false,
      stderr: false,
      trackUnmanagedFds: false,
    });
    const messages = new MessageQueue(reader);
    let spill: SpillFile | undefined;
    let ended = false;
    try {
      const first = await messages.next();
      if (first.type !== 'ready') throw new Error(`The pipe reader did not start: ${first.type === 'error' ? first.message : first.type}`);
      await writeSnapshotInto(target, path, options);
      for (;;) {
        const message = await messages.next();
        if (message.type === 'error') throw new Error(`Reading the snapshot pipe failed: ${message.message}`);
        if (message.type === 'end') {
          ended = true;
          if (message.spill !== undefined) spill = SpillFile.adopt(message.spill);
          stagedOnDiskBytes = message.spill?.bytes ?? 0;
          break;
        }
        if (message.type === 'chunk') await deliver(Buffer.from(message.data.buffer, message.data.byteOffset, message.data.byteLength), onChunk, options.signal);
      }
      while (spill !== undefined && spill.pending > 0) await deliver(spill.take(READ_BACK_BYTES), onChunk, options.signal);
    } finally {
      if (!ended) {
        // Stopped early (the consumer left, or V8 failed). V8 is done with the pipe by now, so the reader
        // ends within moments; a spill file it hands over is this thread's to close, or it stays open (and
        // takes disk space) for the life of the process.
        const end = await messages.waitForEnd(READER_END_WAIT_MS);
        if (end?.spill !== undefined) SpillFile.adopt(end.spill).close();
      }
      spill?.close();
      messages.close();
      await reader.terminate();
    }
  });
  return { stagedOnDiskBytes };
}

const READ_BACK_BYTES = 1024 * 1024;
/** How long a reader whose output is no longer wanted gets to report its end (it needs milliseconds). */
const READER_END_WAIT_MS = 5000;

async function deliver(chunk: Buffer, onChunk: ChunkSink, signal: AbortSignal | undefined): Promise<void> {
  if (signal?.aborted) throw new OperationAbortedError('Heap snapshot');
  await onChunk(chunk);
}

/** Makes a FIFO (0600) in a fresh private (0700) directory for `use`, and removes both afterwards. */
async function withSnapshotPipe(use: (path: string) => Promise<void>): Promise<void> {
  const dir = tmp.dirSync({ mode: 0o700, prefix: 'maintenance-endpoint-pipe-', unsafeCleanup: true });
  try {
    const path = join(dir.name, 'heapsnapshot.fifo');
    try {
      execFileSync('mkfifo', ['-m', '600', path], { stdio: 'ignore', timeout: 5000 });
    } catch (error) {
      pipesUnavailable = true;
      throw new NamedPipeUnavailableError(`mkfifo failed: ${(error as Error).message}`);
    }
    await use(path);
  } finally {
    dir.removeCallback();
  }
}

/** Has the target write its heap snapshot into `path` with `v8.writeHeapSnapshot()`. */
async function writeSnapshotInto(target: CdpTarget, path: string, options: PipeSnapshotOptions): Promise<void> {
  const writeOptions = JSON.stringify({ exposeInternals: options.exposeInternals, exposeNumericValues: options.captureNumericValue });
  const reply = await target.send<{ exceptionDetails?: { text: string; exception?: { description?: string } } }>('Runtime.evaluate', {
    expression: `void require('node:v8').writeHeapSnapshot(${JSON.stringify(path)}, ${writeOptions})`,
    includeCommandLineAPI: true,
    silent: true,
  });
  if (reply.exceptionDetails !== undefined) {
    throw new Error(`v8.writeHeapSnapshot failed in the target: ${reply.exceptionDetails.exception?.description ?? reply.exceptionDetails.text}`);
  }
}

/** The reader thread's messages in order, awaited one at a time; its exit is an error unless it said 'end'. */
class MessageQueue {
  readonly #worker: Worker;
  readonly #queued: PipeReaderMessage[] = [];
  #waiting: ((message: PipeReaderMessage) => void) | undefined;

  constructor(worker: Worker) {
    this.#worker = worker;
    worker.on('message', this.#push);
    worker.on('error', this.#onError);
    worker.on('exit', this.#onExit);
  }

  next(): Promise<PipeReaderMessage> {
    const message = this.#queued.shift();
    if (message !== undefined) return Promise.resolve(message);
    return new Promise((resolve) => (this.#waiting = resolve));
  }

  /** Skips messages until the reader's 'end', which it returns; undefined after an error or `timeoutMs`. */
  async waitForEnd(timeoutMs: number): Promise<Extract<PipeReaderMessage, { type: 'end' }> | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const message = await this.#nextWithin(deadline - Date.now());
      if (message === undefined || message.type === 'error') return undefined;
      if (message.type === 'end') return message;
    }
  }

  #nextWithin(ms: number): Promise<PipeReaderMessage | undefined> {
    if (ms <= 0) return Promise.resolve(this.#queued.shift());
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)));
    return Promise.race([this.next(), timeout]).finally(() => clearTimeout(timer));
  }

  close(): void {
    this.#worker.off('message', this.#push);
    this.#worker.off('error', this.#onError);
    this.#worker.off('exit', this.#onExit);
  }

  readonly #push = (message: PipeReaderMessage): void => {
    const waiting = this.#waiting;
    this.#waiting = undefined;
    if (waiting) waiting(message);
    else this.#queued.push(message);
  };

  readonly #onError = (error: Error): void => this.#push({ type: 'error', message: error.message });
  readonly #onExit = (code: number): void => this.#push({ type: 'error', message: `the reader thread exited (code ${code})` });
}
