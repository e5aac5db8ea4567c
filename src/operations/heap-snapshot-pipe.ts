import { execFileSync } from 'node:child_process';
import { closeSync, constants, openSync } from 'node:fs';
import { Socket } from 'node:net';
import { join } from 'node:path';
import { isMainThread, Worker } from 'node:worker_threads';
import type { DirResult } from 'tmp';
import { tmp } from '../streaming/tmp-library.js';
import { cleanUpAtProcessEnd, privateDirPrefix } from '../streaming/private-dirs.js';
import { SpillFile } from '../streaming/spill-file.js';
import type { PipeReaderInit, PipeReaderMessage } from '../streaming/pipe-reader-messages.js';
import { contained } from '../contained.js';
import { addOwnThread, removeOwnThread } from '../targets/own-threads.js';
import { evaluate } from '../targets/protocol.js';
import type { CdpTarget } from '../targets/target.js';
import { MaintenanceError, OperationAbortedError } from '../errors.js';

/**
 * Linux only: its FIFOs report nothing to a non-blocking reader until a writer has come, which the
 * engines below rely on. BSD and macOS report end of file before that, so the reader would leave
 * and V8's blocking open() for writing would wait forever on a frozen thread.
 */
let pipesUnavailable = process.platform !== 'linux';

/** False where named pipes cannot be used (not Linux, or no mkfifo): callers then use another engine. */
export function namedPipesAvailable(): boolean {
  return !pipesUnavailable;
}

/** A pipe engine could not start; nothing was asked of the target yet, so another engine may. */
const pipeUnavailable = (message: string) => new MaintenanceError('NAMED_PIPE_UNAVAILABLE', message);

export interface PipeSnapshotOptions {
  exposeInternals: boolean;
  captureNumericValue: boolean;
  /** Where the pipe's private directory is made; defaults to the OS temp directory. */
  tmpdir: string | undefined;
}

export type ChunkSink = (chunk: Buffer) => void;

/**
 * Streams a heap snapshot through a named pipe, read on this thread while the target (another thread
 * of this process: a worker's main thread) writes it with its own `v8.writeHeapSnapshot()`. V8's native
 * file stream runs at its floor's speed, where the inspector's chunk events add about a fifth (each
 * chunk is re-encoded into a protocol message). No byte of the snapshot touches the disk: a FIFO holds
 * no data.
 */
export async function pipeHeapSnapshot(target: CdpTarget, onChunk: ChunkSink, options: PipeSnapshotOptions): Promise<void> {
  await withSnapshotPipe(options.tmpdir, async (path) => {
    // Opened non-blocking first, so the target's open() for writing finds a reader and does not wait.
    let reader: Socket;
    try {
      reader = new Socket({ fd: openSync(path, constants.O_RDONLY | constants.O_NONBLOCK), readable: true, writable: false });
    } catch (error) {
      throw pipeUnavailable(`The snapshot pipe could not be opened: ${(error as Error).message}`);
    }
    const drained = new Promise<void>((resolve, reject) => {
      reader.on('data', onChunk);
      reader.once('end', resolve);
      reader.once('error', reject);
    });
    drained.catch(() => {}); // awaited below; a read error while V8 still writes must not go unhandled
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
 * done, they are handed to `onChunk` in order, waiting on `consumerReady` after each, so a slow client
 * never makes the consumer re-stage what is already staged. V8 still writes at its floor's speed.
 */
export async function pipeHeapSnapshotThroughReaderThread(
  target: CdpTarget,
  onChunk: ChunkSink,
  options: PipeSnapshotOptions & { memoryLimitBytes: number; consumerReady?: () => Promise<void> | undefined; signal?: AbortSignal },
): Promise<{ stagedOnDiskBytes: number }> {
  let stagedOnDiskBytes = 0;
  await withSnapshotPipe(options.tmpdir, async (path) => {
    const messages = startReader({ path, memoryLimitBytes: options.memoryLimitBytes, tmpdir: options.tmpdir });
    let spill: SpillFile | undefined;
    let ended = false;
    try {
      const first = await messages.nextWithin(READER_START_MS);
      if (first?.type !== 'ready') {
        throw pipeUnavailable(`The pipe reader did not start: ${first?.type === 'error' ? first.message : 'no answer'}`);
      }
      if (options.signal?.aborted) throw new OperationAbortedError('Heap snapshot');
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
        if (message.type === 'chunk') await deliver(Buffer.from(message.data.buffer, message.data.byteOffset, message.data.byteLength), onChunk, options);
      }
      while (spill !== undefined && spill.pending > 0) await deliver(spill.take(READ_BACK_BYTES), onChunk, options);
    } finally {
      try {
        if (!ended) await closeUnreadSpill(messages, path);
      } finally {
        try {
          spill?.close();
        } finally {
          await messages.stop();
        }
      }
    }
  });
  return { stagedOnDiskBytes };
}

const READ_BACK_BYTES = 1024 * 1024;
/** How long the reader thread may take to start, and to report its end once no writer is left. */
const READER_START_MS = 10_000;
const READER_END_WAIT_MS = 5000;

async function deliver(
  chunk: Buffer,
  onChunk: ChunkSink,
  { consumerReady, signal }: { consumerReady?: () => Promise<void> | undefined; signal?: AbortSignal },
): Promise<void> {
  if (signal?.aborted) throw new OperationAbortedError('Heap snapshot');
  onChunk(chunk);
  await consumerReady?.();
}

/**
 * Stopped early (the consumer left, V8 failed or never started). A spill file the reader hands over is
 * this thread's to close, or it stays open, holding disk, for the life of the process. A writer that
 * connects and leaves at once makes the reader see the end even if V8 never opened the pipe.
 */
async function closeUnreadSpill(messages: ReaderMessages, path: string): Promise<void> {
  try {
    closeSync(openSync(path, constants.O_WRONLY | constants.O_NONBLOCK));
  } catch {
    // No reader left (ENXIO): it has ended already, and its message is queued.
  }
  const end = await messages.waitForEnd(READER_END_WAIT_MS);
  if (end?.spill !== undefined) SpillFile.adopt(end.spill).close();
}

/**
 * Makes a FIFO (0600) in a fresh private (0700) directory for `use`, and removes both afterwards. A
 * directory or pipe that cannot be made is a NAMED_PIPE_UNAVAILABLE error: another engine can still work.
 */
async function withSnapshotPipe(tmpdir: string | undefined, use: (path: string) => Promise<void>): Promise<void> {
  let dir: DirResult;
  let path: string;
  try {
    dir = tmp.dirSync({ mode: 0o700, prefix: privateDirPrefix('pipe'), unsafeCleanup: true, ...(tmpdir ? { tmpdir } : {}) });
    path = join(dir.name, 'heapsnapshot.fifo');
  } catch (error) {
    throw pipeUnavailable(`No private directory for the snapshot pipe: ${(error as Error).message}`);
  }
  // On the main thread (router mode), a termination signal mid-snapshot must not leave the folder behind.
  const removeAtEnd = isMainThread ? cleanUpAtProcessEnd(() => dir.removeCallback()) : () => dir.removeCallback();
  try {
    try {
      execFileSync('mkfifo', ['-m', '600', path], { stdio: 'ignore', timeout: 5000 });
    } catch (error) {
      // Only a missing mkfifo is for good; a failed fork or a timeout under load may pass.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') pipesUnavailable = true;
      throw pipeUnavailable(`mkfifo failed: ${(error as Error).message}`);
    }
    await use(path);
  } finally {
    removeAtEnd();
  }
}

/** Has the target write its heap snapshot into `path` with `v8.writeHeapSnapshot()`. */
export async function writeSnapshotInto(target: CdpTarget, path: string, options: Omit<PipeSnapshotOptions, 'tmpdir'>): Promise<void> {
  const writeOptions = JSON.stringify({ exposeInternals: options.exposeInternals, exposeNumericValues: options.captureNumericValue });
  await evaluate(target, 'v8.writeHeapSnapshot', `void require('node:v8').writeHeapSnapshot(${JSON.stringify(path)}, ${writeOptions})`, { commandLineApi: true });
}

const OWN_THREAD_FORGOTTEN_MS = 60_000;

function startReader(init: PipeReaderInit): ReaderMessages {
  try {
    // trackUnmanagedFds off: the spill file's descriptor outlives the thread that opened it (it is
    // handed over here), and Node would otherwise close it when that thread exits.
    const worker = new Worker(new URL('../streaming/pipe-reader-thread.js', import.meta.url), { workerData: init, stdout: false, stderr: false, trackUnmanagedFds: false });
    // The endpoint's thread, not the app's: never listed by GET /threads (nor in metrics or the console).
    const { threadId } = worker;
    addOwnThread(threadId);
    // Forgotten a while after it exits: the inspector's news of its end (NodeWorker.detachedFromWorker) reaches the
    // thread directory on its own turn, which may come after the exit event.
    worker.once('exit', contained('the pipe reader cleanup', () => void setTimeout(contained('the pipe reader cleanup', () => removeOwnThread(threadId)), OWN_THREAD_FORGOTTEN_MS).unref()));
    return new ReaderMessages(worker);
  } catch (error) {
    throw pipeUnavailable(`The pipe reader thread could not start: ${(error as Error).message}`);
  }
}

/** The reader thread's messages in order, awaited one at a time; its exit is an error unless it said 'end'. */
class ReaderMessages {
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

  /** The next message, or undefined after `ms` (and then no message is lost to the expired wait). */
  nextWithin(ms: number): Promise<PipeReaderMessage | undefined> {
    const message = this.#queued.shift();
    if (message !== undefined || ms <= 0) return Promise.resolve(message);
    return new Promise((resolve) => {
      const waiting = (next: PipeReaderMessage) => {
        clearTimeout(timer);
        resolve(next);
      };
      const timer = setTimeout(() => {
        if (this.#waiting === waiting) this.#waiting = undefined;
        resolve(undefined);
      }, ms);
      this.#waiting = waiting;
    });
  }

  /** Skips messages until the reader's 'end', which it returns; undefined after an error or `timeoutMs`. */
  async waitForEnd(timeoutMs: number): Promise<Extract<PipeReaderMessage, { type: 'end' }> | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const message = await this.nextWithin(deadline - Date.now());
      if (message === undefined || message.type === 'error') return undefined;
      if (message.type === 'end') return message;
    }
  }

  /** Stops the thread. A late 'error' from it must not reach the process as an unhandled one. */
  async stop(): Promise<void> {
    this.#worker.off('message', this.#push);
    this.#worker.off('exit', this.#onExit);
    this.#worker.off('error', this.#onError);
    this.#worker.on('error', () => {});
    await this.#worker.terminate();
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
