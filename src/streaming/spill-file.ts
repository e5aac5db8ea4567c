import { closeSync, ftruncateSync, readSync, rmdirSync, unlinkSync, writeSync } from 'node:fs';
import { tmp } from './tmp-library.js';
import { privateDirPrefix } from './private-dirs.js';

/**
 * An anonymous, private scratch file: created 0600 inside a fresh 0700 directory made by `tmp`, then
 * unlinked at once (with its directory) while the descriptor stays open. Nothing can open it by name,
 * and nothing is left on disk even if the process dies. Where unlinking an open file is refused
 * (Windows), the name is removed on close instead.
 *
 * Reads and writes are synchronous: the spill runs either inside a same-thread inspector command (the
 * loop is frozen there anyway) or on the endpoint's own worker thread, and a queue of pending async
 * writes would itself be the unbounded memory this file exists to avoid.
 */
export class SpillFile {
  readonly #fd: number;
  /** Names still to remove on close, where they could not be removed at once. */
  readonly #names: { file: string; dir: string } | undefined;
  #writePos = 0;
  #readPos = 0;
  #closed = false;

  constructor(tmpdir?: string, adopted?: SpillFileHandle) {
    if (adopted !== undefined) {
      this.#fd = adopted.fd;
      this.#writePos = adopted.bytes;
      this.#names = adopted.names;
      return;
    }
    const dir = tmp.dirSync({ mode: 0o700, prefix: privateDirPrefix('spill'), ...(tmpdir ? { tmpdir } : {}) });
    const file = tmp.fileSync({ mode: 0o600, prefix: 'spill-', dir: dir.name });
    this.#fd = file.fd;
    // Not tmp's removeCallback: it also closes the descriptor, which is the one thing to keep.
    try {
      removeNames(file.name, dir.name);
    } catch {
      this.#names = { file: file.name, dir: dir.name };
    }
  }

  /**
   * Takes over a spill file another thread of this process wrote (descriptors are process-wide): it is
   * read from the start, and closing it is now the caller's job.
   */
  static adopt(handle: SpillFileHandle): SpillFile {
    return new SpillFile(undefined, handle);
  }

  /** Gives the file up to another thread, which adopts it; this object no longer closes it. */
  handOver(): SpillFileHandle {
    if (this.#closed || this.#readPos !== 0) throw new Error('Only an unread, open spill file can be handed over');
    this.#closed = true;
    return { fd: this.#fd, bytes: this.#writePos, names: this.#names };
  }

  /** Bytes written and not yet read back. */
  get pending(): number {
    return this.#writePos - this.#readPos;
  }

  append(data: Buffer): void {
    let offset = 0;
    while (offset < data.length) {
      offset += writeSync(this.#fd, data, offset, data.length - offset, this.#writePos + offset);
    }
    this.#writePos += data.length;
  }

  /** Reads back up to `max` bytes in write order; once everything is read, the file is emptied for reuse. */
  take(max: number): Buffer {
    const length = Math.min(max, this.pending);
    const buffer = Buffer.allocUnsafe(length);
    let read = 0;
    while (read < length) {
      const n = readSync(this.#fd, buffer, read, length - read, this.#readPos + read);
      if (n === 0) throw new Error('Spill file ended early');
      read += n;
    }
    this.#readPos += length;
    if (this.pending === 0) {
      ftruncateSync(this.#fd, 0);
      this.#readPos = this.#writePos = 0;
    }
    return buffer;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    closeSync(this.#fd);
    if (this.#names !== undefined) removeNames(this.#names.file, this.#names.dir);
  }
}

/** A spill file passed between threads: plain data, so it can be posted. */
export interface SpillFileHandle {
  fd: number;
  bytes: number;
  names: { file: string; dir: string } | undefined;
}

function removeNames(file: string, dir: string): void {
  unlinkSync(file);
  rmdirSync(dir);
}
