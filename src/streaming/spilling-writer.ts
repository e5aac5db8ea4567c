import type { Writable } from 'node:stream';
import { SpillFile } from './spill-file.js';

export interface SpillingWriterOptions {
  /** Most bytes held in memory for a destination that is not keeping up; the rest goes to a spill file. */
  memoryLimitBytes: number;
  /** Where the private spill directory is made; defaults to the OS temp directory. */
  tmpdir?: string;
}

export interface SpillingWriterStats {
  bytesIn: number;
  spilledBytes: number;
  peakMemoryBacklogBytes: number;
}

const READ_BACK_BYTES = 256 * 1024;

/**
 * Accepts data at the producer's pace and hands it to `destination` at the destination's pace.
 *
 * The inspector protocol has no backpressure: V8 pushes heap snapshot chunks as fast as it serializes.
 * A destination that returns false from write() gets the backlog held in memory up to
 * `memoryLimitBytes` (counting what the destination itself buffers); past that the backlog goes to a
 * private spill file, drained in order on 'drain' and emptied as soon as the reader catches up. A
 * client that keeps up never causes a file; a slow one costs disk for the duration, never memory.
 */
export class SpillingWriter {
  readonly #destination: Writable;
  readonly #options: SpillingWriterOptions;
  readonly #memory: Buffer[] = [];
  #memoryBytes = 0;
  #spill: SpillFile | undefined;
  #waitingForDrain = false;
  #ending: { resolve: () => void; reject: (error: Error) => void } | undefined;
  #roomWaiters: (() => void)[] = [];
  #failed: Error | undefined;
  readonly stats: SpillingWriterStats = { bytesIn: 0, spilledBytes: 0, peakMemoryBacklogBytes: 0 };

  constructor(destination: Writable, options: SpillingWriterOptions) {
    this.#destination = destination;
    this.#options = options;
    destination.on('drain', this.#onDrain);
  }

  /** Never blocks the producer and never buffers past the bound. Data after destroy() is dropped. */
  write(chunk: string | Buffer): void {
    if (this.#failed !== undefined || this.#destination.destroyed) return;
    const data = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    this.stats.bytesIn += data.length;
    try {
      if (!this.#waitingForDrain && this.#memory.length === 0 && !this.#spillPending()) {
        this.#waitingForDrain = !this.#destination.write(data);
      } else if (!this.#spillPending() && this.#backlogBytes() + data.length <= this.#options.memoryLimitBytes) {
        this.#memory.push(data);
        this.#memoryBytes += data.length;
      } else {
        this.#spill ??= new SpillFile(this.#options.tmpdir);
        this.#spill.append(data);
        this.stats.spilledBytes += data.length;
      }
      this.stats.peakMemoryBacklogBytes = Math.max(this.stats.peakMemoryBacklogBytes, this.#backlogBytes());
    } catch (error) {
      this.destroy(error as Error);
    }
  }

  /**
   * For a producer that can wait (data already staged elsewhere): undefined when the destination takes
   * more now, else a promise that resolves once the whole backlog is handed over (or the writer is
   * destroyed). Waiting on it keeps such a producer from re-staging into memory or a spill file.
   */
  whenWritable(): Promise<void> | undefined {
    if (this.#failed !== undefined || !this.#hasBacklog()) return undefined;
    return new Promise((resolve) => this.#roomWaiters.push(resolve));
  }

  /** Resolves once everything written has been handed over and the destination has been ended. */
  end(): Promise<void> {
    if (this.#failed !== undefined) return Promise.reject(this.#failed);
    return new Promise((resolve, reject) => {
      this.#ending = { resolve, reject };
      this.#flushIfDone();
    });
  }

  /** Drops the backlog, closes the spill file and destroys the destination (a client went away, or an error). */
  destroy(error?: Error): void {
    if (this.#failed !== undefined) return;
    this.#failed = error ?? new Error('Stream destroyed');
    this.#release();
    if (!this.#destination.destroyed) this.#destination.destroy(error);
    this.#ending?.reject(this.#failed);
  }

  #hasBacklog(): boolean {
    return this.#waitingForDrain || this.#memory.length > 0 || this.#spillPending();
  }

  #wakeWaiters(): void {
    const waiters = this.#roomWaiters;
    this.#roomWaiters = [];
    for (const resolve of waiters) resolve();
  }

  #spillPending(): boolean {
    return this.#spill !== undefined && this.#spill.pending > 0;
  }

  #backlogBytes(): number {
    return this.#memoryBytes + this.#destination.writableLength;
  }

  readonly #onDrain = (): void => {
    this.#waitingForDrain = false;
    try {
      while (!this.#waitingForDrain) {
        let next: Buffer;
        if (this.#memory.length > 0) {
          next = this.#memory.shift()!;
          this.#memoryBytes -= next.length;
        } else if (this.#spillPending()) {
          next = this.#spill!.take(READ_BACK_BYTES);
        } else {
          break;
        }
        this.#waitingForDrain = !this.#destination.write(next);
      }
    } catch (error) {
      this.destroy(error as Error);
      return;
    }
    if (!this.#hasBacklog()) this.#wakeWaiters();
    this.#flushIfDone();
  };

  #flushIfDone(): void {
    if (this.#ending === undefined || this.#memory.length > 0 || this.#spillPending() || this.#failed !== undefined) return;
    const { resolve, reject } = this.#ending;
    this.#release();
    this.#destination.end((error?: Error | null) => (error ? reject(error) : resolve()));
  }

  #release(): void {
    this.#wakeWaiters();
    this.#destination.off('drain', this.#onDrain);
    this.#memory.length = 0;
    this.#memoryBytes = 0;
    this.#spill?.close();
    this.#spill = undefined;
  }
}
