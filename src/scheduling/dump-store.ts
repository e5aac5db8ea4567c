import { chmodSync, closeSync, ftruncateSync, lstatSync, mkdirSync, mkdtempSync, openSync, renameSync, rmSync, statfsSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { tmp } from '../streaming/tmp-library.js';
import { cleanUpAtProcessEnd, holdOwnerPipe, privateDirPrefix, sweepLeftovers } from '../streaming/private-dirs.js';
import { ConfigError } from '../errors.js';
import { isDumpId, notADumpFile } from './dump-id.js';
import { lockStore } from './store-lock.js';
import { removeRecord } from './stored-dump-records.js';
import { closeStrayDescriptors } from '../streaming/stray-descriptors.js';

export interface DumpStoreLimits {
  /** Most bytes of finished artifacts kept; the oldest are evicted first. */
  maxBytes: number;
  maxFiles: number;
  /** Artifacts older than this are deleted. */
  maxAgeMs: number;
  /** Free space to leave on the store's file system beyond an artifact's estimated size. */
  reserveBytes: number;
}

/** A file being written: data goes to `<id>.partial` and becomes `<id>.<ext>` only when complete. */
export interface PartialFile {
  /** The partial file's path (0600, in the private directory), for a writer that opens it itself. */
  readonly path: string;
  write(data: string | Buffer): void;
  /** Renames the partial file into place; returns the final size. */
  complete(): number;
  /**
   * Removes the partial file; safe after complete() or twice. `writerEnded: false` when a writer of its
   * own (V8) may still be writing: its descriptor is then left alone (closing a descriptor in use would
   * let its number be reused and the rest of the snapshot land in another file).
   */
  discard(options?: { writerEnded?: boolean }): void;
}

/**
 * The private directory where scheduled artifacts wait for download: made 0700 with `tmp` (or inside a
 * configured directory, as a fresh 0700 subdirectory), files 0600. Paths are built here from ids this
 * process generated and checked; no request ever names a path.
 */
export class DumpStore {
  readonly directory: string;
  readonly limits: DumpStoreLimits;
  /**
   * A configured `storeDir`: ready dumps and their records stay when the endpoint closes, for the next
   * start to list (stored-dump-records.ts); otherwise the directory is private to this process.
   */
  readonly persistent: boolean;
  #removed = false;

  /** Adopts a directory made by createDirectory() or openPersistentDirectory(), possibly on another thread. */
  constructor(directory: string, limits: DumpStoreLimits, { persistent = false }: { persistent?: boolean } = {}) {
    this.directory = directory;
    this.limits = limits;
    this.persistent = persistent;
  }

  /**
   * Makes or opens a persistent store (`storeDir`), 0700: a directory that is not ours, or not a
   * directory, is refused rather than chmodded.
   */
  static openPersistentDirectory(storeDir: string): string {
    mkdirSync(storeDir, { recursive: true, mode: 0o700 });
    const stats = lstatSync(storeDir);
    if (!stats.isDirectory()) throw new ConfigError('DUMPS_DIRECTORY', `The dump store ${storeDir} is not a directory.`);
    const uid = process.getuid?.();
    if (uid !== undefined && stats.uid !== uid) throw new ConfigError('DUMPS_DIRECTORY', `The dump store ${storeDir} belongs to another user (uid ${stats.uid}).`);
    chmodSync(storeDir, 0o700);
    return storeDir;
  }

  /**
   * Makes the store's private directory: with `tmp` in the OS temp directory, or as a fresh 0700
   * subdirectory of a configured parent. The caller removes it with removeAll(), and on process exit.
   */
  static createDirectory(parent?: string): string {
    if (parent === undefined) return tmp.dirSync({ mode: 0o700, prefix: privateDirPrefix('dumps') }).name;
    mkdirSync(parent, { recursive: true, mode: 0o700 });
    const directory = mkdtempSync(join(parent, privateDirPrefix('dumps')));
    chmodSync(directory, 0o700);
    return directory;
  }

  /**
   * Sweeps what dead processes left in the store's parent and the temp directory, then
   * createDirectory(), removed again when the process ends (exit, or a termination signal the app
   * does not handle). Call it on the main thread: a worker's handlers do not run when the process
   * ends. dispose() removes the directory now.
   */
  static createDirectoryRemovedAtExit(parent: string | undefined, tmpdir?: string, storeDir?: string): { directory: string; dispose: () => void } {
    if (storeDir !== undefined) {
      // A persistent store outlives the process: it is swept by its own records (stored-dump-records.ts), never here.
      sweepLeftovers([parent, tmpdir, undefined], [storeDir]);
      const directory = DumpStore.openPersistentDirectory(storeDir);
      return { directory, dispose: lockStore(directory) };
    }
    sweepLeftovers([parent, tmpdir, undefined]);
    const directory = DumpStore.createDirectory(parent);
    // The store lives as long as the process: its pipe tells a sweep from another pid namespace so.
    const release = holdOwnerPipe(directory);
    const dispose = cleanUpAtProcessEnd(() => {
      release();
      rmSync(directory, { recursive: true, force: true });
    });
    return { directory, dispose };
  }

  static isId(id: string): boolean {
    return isDumpId(id);
  }

  pathOf(id: string, extension: string): string {
    if (!isDumpId(id) || !/^[a-z.]+$/.test(extension)) throw notADumpFile();
    return join(this.directory, `${id}.${extension}`);
  }

  /** Free bytes on the store's file system, beyond the configured reserve. */
  usableBytes(): number {
    const stats = statfsSync(this.directory);
    return stats.bavail * stats.bsize - this.limits.reserveBytes;
  }

  open(id: string, extension: string): PartialFile {
    const finalPath = this.pathOf(id, extension);
    const partialPath = this.pathOf(id, 'partial');
    const fd = openSync(partialPath, 'wx', 0o600);
    let open = true;
    let size = 0;
    // The first write error (ENOSPC, EIO), kept rather than thrown: write() runs inside the producer's
    // chunk callback, where a throw would not stop the producer but could leave this descriptor open on
    // a file the job's failure then deletes. complete() reports it instead, and the caller discards.
    let failed: Error | undefined;
    const close = () => {
      if (!open) return;
      open = false;
      closeSync(fd);
    };
    return {
      path: partialPath,
      write(data) {
        if (failed !== undefined || !open) return;
        const buffer = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
        try {
          let offset = 0;
          while (offset < buffer.length) offset += writeSync(fd, buffer, offset, buffer.length - offset, size + offset);
          size += buffer.length;
        } catch (error) {
          failed = error as Error;
        }
      },
      complete() {
        if (failed !== undefined) throw failed;
        close();
        renameSync(partialPath, finalPath);
        return statSync(finalPath).size;
      },
      discard({ writerEnded = true } = {}) {
        try {
          // Emptied first: its blocks are freed now even if a descriptor we do not hold stays open on it.
          if (open) ftruncateSync(fd, 0);
        } catch {
          // A file that cannot be truncated is still closed and removed below.
        }
        try {
          close();
          // V8 writes a snapshot into this file through a descriptor of its own, which Node leaves open
          // when a write fails (ENOSPC): closed here once that write is over, or it would stay open for good.
          if (writerEnded) closeStrayDescriptors(partialPath);
        } finally {
          rmSync(partialPath, { force: true });
        }
      },
    };
  }

  remove(id: string, extension: string): void {
    // The record first: a file without its record is removed by the next start, a record without its file would be listed.
    if (this.persistent) removeRecord(this.directory, id);
    try {
      unlinkSync(this.pathOf(id, extension));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }

  /** Deletes the directory and everything in it; a persistent store is left as it is. */
  removeAll(): void {
    if (this.#removed || this.persistent) return;
    this.#removed = true;
    rmSync(this.directory, { recursive: true, force: true });
  }
}
