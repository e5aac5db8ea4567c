import { createHash } from 'node:crypto';
import { closeSync, createReadStream, fsyncSync, lstatSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename } from 'node:path';
import { join } from 'node:path';
import { isDumpId, notADumpFile } from './dump-id.js';

/**
 * A persistent store (`storeDir`) keeps, next to each dump's file `<id>.<ext>`, its record `<id>.json`:
 * the job as `/dumps` lists it. The record is the proof that the file is whole: it is written (to a
 * temporary name, synced, renamed) only after the file is complete, so a file without a record is what
 * a killed process left mid-way, and a record without its file is a dump deleted by hand. The next
 * start removes both kinds; nothing half-written is ever listed.
 */
export interface StoredRecord<Job> {
  version: 1;
  job: Job;
  /** The file's extension in the store (`heapsnapshot`, `cpuprofile`, `pb.gz`...). */
  extension: string;
  /** For an armed near-heap-limit job: the process whose snapshot it waits for. */
  pid?: number;
  /**
   * For a snapshot Node wrote: its name before the store renamed it to `<id>.<extension>`. The record is
   * written before the rename, so a start that finds the record without its file finishes the rename.
   */
  adoptedFrom?: string;
}

const RECORD = /^([A-Za-z0-9_-]{22})\.json$/;
/** Our own files: a dump `<id>.<ext>`, a partial `<id>.partial`, a record being written `<id>.json.partial`. */
const OWN_FILE = /^([A-Za-z0-9_-]{22})\.([a-z.]+)$/;

export function recordPath(directory: string, id: string): string {
  if (!isDumpId(id)) throw notADumpFile();
  return join(directory, `${id}.json`);
}

/** Writes a record atomically and durably: a crash leaves the old record or the new one, never half of one. */
export function writeRecord<Job extends { id: string }>(directory: string, record: StoredRecord<Job>): void {
  writeFileDurably(recordPath(directory, record.job.id), JSON.stringify(record));
}

/** Writes a private file atomically and durably (a temporary `.partial` name, synced, renamed into place). */
export function writeFileDurably(path: string, text: string): void {
  const temporary = `${path}.partial`;
  const fd = openSync(temporary, 'w', 0o600);
  try {
    const data = Buffer.from(text);
    let offset = 0;
    while (offset < data.length) offset += writeSync(fd, data, offset);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, path);
}

export function removeRecord(directory: string, id: string): void {
  rmSync(recordPath(directory, id), { force: true });
}

export interface RecoveredStore<Job> {
  /** Ready dumps whose file is there with the recorded size, oldest first. */
  ready: StoredRecord<Job>[];
  /** Near-heap-limit jobs that were armed when their process last wrote. */
  armed: StoredRecord<Job>[];
  /** What was removed: partial files, files without a record, records without a file. */
  removed: string[];
  /**
   * Entries left where they are: anything that is not a regular file (a directory, a symbolic link,
   * a pipe), which the store never follows, serves nor removes, and files it could not remove.
   */
  ignored: string[];
}

/**
 * Reads a persistent store at start: keeps the ready dumps and armed jobs its records describe, and
 * removes what a killed process left (partial files, a file whose record was never written) and
 * records whose file is gone. Files of other names (Node's own snapshots) are left to the adopter.
 */
export function recoverStore<Job extends { id: string; status: string; size: number | null; finished: string | null }>(
  directory: string,
  isValidJob: (job: unknown) => job is Job,
): RecoveredStore<Job> {
  const removed: string[] = [];
  const ignored: string[] = [];
  // Regular files only: a stray entry of one of our names must neither abort the start nor be followed.
  const names = readdirSync(directory).filter((name) => {
    if (isRegularFile(join(directory, name))) return true;
    if (OWN_FILE.test(name)) ignored.push(name);
    return false;
  });
  const records = new Map<string, StoredRecord<Job>>();
  const remove = (name: string) => {
    try {
      rmSync(join(directory, name), { force: true });
      removed.push(name);
    } catch {
      ignored.push(name);
    }
  };
  for (const name of names) {
    const id = RECORD.exec(name)?.[1];
    if (id === undefined) continue;
    const record = parseRecord(join(directory, name), isValidJob);
    if (record === undefined || record.job.id !== id) {
      remove(name);
      continue;
    }
    if (record.job.status === 'ready') {
      const path = join(directory, `${id}.${record.extension}`);
      let size = sizeOf(path);
      const source = record.adoptedFrom === undefined ? undefined : join(directory, basename(record.adoptedFrom));
      if (size === undefined && source !== undefined && sizeOf(source) === record.job.size) {
        try {
          renameSync(source, path); // stopped between the record and the rename: finish it
          size = record.job.size;
        } catch {
          // Cannot finish it: the record goes, and Node's file is adopted again by the scan.
        }
      }
      if (size === undefined || size !== record.job.size) {
        remove(name);
        continue;
      }
    }
    records.set(id, record);
  }
  for (const name of names) {
    const match = OWN_FILE.exec(name);
    if (match === null || RECORD.test(name)) continue;
    const record = records.get(match[1]!);
    if (record === undefined || record.job.status !== 'ready' || match[2] !== record.extension) remove(name);
  }
  const all = [...records.values()];
  return {
    ready: all.filter((record) => record.job.status === 'ready').sort((a, b) => (a.job.finished ?? '').localeCompare(b.job.finished ?? '')),
    armed: all.filter((record) => record.job.status === 'armed'),
    removed,
    ignored,
  };
}

function parseRecord<Job>(path: string, isValidJob: (job: unknown) => job is Job): StoredRecord<Job> | undefined {
  try {
    const value = JSON.parse(readFileSync(path, 'utf8')) as Partial<StoredRecord<unknown>>;
    if (value.version !== 1 || typeof value.extension !== 'string' || !/^[a-z.]+$/.test(value.extension) || !isValidJob(value.job)) return undefined;
    if (value.pid !== undefined && !Number.isInteger(value.pid)) return undefined;
    if (value.adoptedFrom !== undefined && (typeof value.adoptedFrom !== 'string' || !/^[A-Za-z0-9.-]+\.heapsnapshot$/.test(value.adoptedFrom))) return undefined;
    return value as StoredRecord<Job>;
  } catch {
    return undefined;
  }
}

/** A regular file's size; undefined for anything else (a link is not followed). */
function sizeOf(path: string): number | undefined {
  try {
    const stats = lstatSync(path);
    return stats.isFile() ? stats.size : undefined;
  } catch {
    return undefined;
  }
}

function isRegularFile(path: string): boolean {
  return sizeOf(path) !== undefined;
}

/** The file's SHA-256, hex, read as a stream. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
