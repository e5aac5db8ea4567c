import { closeSync, mkdtempSync, openSync, readSync, rmdirSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** At most this many bytes per read or write call (the system's limit is under 2 GiB). */
const IO_BYTES = 1 << 30;

/**
 * A private temporary file, read and written at any offset, for what the reader and the analysis hold out
 * of memory for a while (the strings' bytes, arrays a stage does not read). It is unlinked as soon as it
 * is open, so it goes away with its descriptor whatever happens, and no other process can open it by name
 * (the process's own user and root still can, through `/proc/PID/fd`). Its pages sit in the system's page
 * cache, which the kernel may write out and reclaim, not in the process's memory.
 */
export class WorkFile {
  private end = 0;

  private constructor(private fd: number) {}

  /** A new work file in the system's temporary directory (`TMPDIR`), or `undefined` when none can be made. */
  static open(): WorkFile | undefined {
    let dir: string;
    try {
      dir = mkdtempSync(join(tmpdir(), 'heap-analysis-'));
    } catch {
      return undefined;
    }
    const file = join(dir, 'work');
    let fd = -1;
    try {
      fd = openSync(file, 'wx+', 0o600);
      unlinkSync(file);
      rmdirSync(dir);
      return new WorkFile(fd);
    } catch {
      if (fd !== -1) closeSync(fd);
      rmSync(dir, { recursive: true, force: true });
      return undefined;
    }
  }

  /** Writes all of `bytes` at the file's end and returns where they start; throws when the disk refuses. */
  append(bytes: Uint8Array): number {
    const start = this.end;
    this.writeAt(bytes, start);
    return start;
  }

  /** Writes all of `bytes` at `position` (over what was there); throws when the disk refuses. */
  writeAt(bytes: Uint8Array, position: number): void {
    for (let done = 0; done < bytes.length; ) {
      const moved = writeSync(this.fd, bytes, done, Math.min(IO_BYTES, bytes.length - done), position + done);
      if (moved <= 0) throw new Error('the analysis could not write its work data to its temporary file');
      done += moved;
    }
    this.end = Math.max(this.end, position + bytes.length);
  }

  /** Fills `into` from `position`; reads less only at the file's end, and returns how many bytes it read. */
  readAt(into: Uint8Array, position: number): number {
    let done = 0;
    while (done < into.length) {
      const moved = readSync(this.fd, into, done, Math.min(IO_BYTES, into.length - done), position + done);
      if (moved <= 0) break;
      done += moved;
    }
    return done;
  }

  close(): void {
    if (this.fd === -1) return;
    closeSync(this.fd);
    this.fd = -1;
  }
}
