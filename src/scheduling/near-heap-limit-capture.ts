import { createHash } from 'node:crypto';
import { closeSync, createReadStream, fchmodSync, fstatSync, lstatSync, realpathSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { findLeftHeapSnapshots, isWholeHeapSnapshotFile, openRegularFile, type LeftHeapSnapshot } from '../operations/heap-snapshot-file.js';
import { armHeapSnapshotNearHeapLimit, nearHeapLimitDestination } from '../operations/near-heap-limit.js';
import { processState } from '../process/process-liveness.js';
import { PROCESS_STARTED_AT } from '../streaming/private-dirs.js';
import type { CdpTarget } from '../targets/target.js';

/**
 * `when=near-heap-limit`: Node writes the snapshot itself, synchronously, when the heap nears its limit,
 * and the process usually dies of the OOM right after. Node picks the directory (`--diagnostic-dir`, or
 * the working directory), not us: the dump store adopts the file when that directory is the store.
 * While the process lives, the store looks for it every second; after a restart with the same
 * `storeDir`, the next start finds what the dead process left. A file is adopted only once it is whole
 * (isWholeHeapSnapshotFile), and a file that is not whole and whose writer is gone is removed.
 */
export interface NearHeapLimitArming {
  /** Where Node will write the snapshot. */
  directory: string;
  directorySource: '--diagnostic-dir' | 'cwd';
  /** Whether that is the dump store, so the snapshot will show in /dumps. */
  inStore: boolean;
  /** The process that will write it (its pid is in the file's name). */
  pid: number;
  /** The V8 heap limit it will be taken at, in bytes. */
  heapSizeLimit: number;
  /** False when the process was started with --heapsnapshot-near-heap-limit (armed already). */
  armedNow: boolean;
}


export async function armNearHeapLimitCapture(target: CdpTarget, storeDirectory: string): Promise<NearHeapLimitArming> {
  const arming = await armHeapSnapshotNearHeapLimit(target, { count: 1 });
  return {
    directory: arming.directory,
    directorySource: arming.directorySource,
    inStore: isSameDirectory(arming.directory, storeDirectory),
    pid: arming.pid,
    heapSizeLimit: arming.heapSizeLimit,
    armedNow: arming.armedNow,
  };
}

/** Whether two paths name one directory, symbolic links resolved (`/var/dumps` may be a link to the volume). */
export function isSameDirectory(a: string, b: string): boolean {
  const real = (path: string) => {
    try {
      return realpathSync(path);
    } catch {
      return resolve(path);
    }
  };
  return real(a) === real(b);
}

/** Whether the target's near-heap-limit snapshot would be written into the store, asked without arming. */
export async function nearHeapLimitWritesInto(target: CdpTarget, storeDirectory: string): Promise<boolean> {
  return isSameDirectory((await nearHeapLimitDestination(target)).directory, storeDirectory);
}

/** What the job tells the operator when the snapshot will not reach /dumps on its own. */
export function armingWarning(arming: NearHeapLimitArming, persistent: boolean): string | undefined {
  if (arming.inStore && persistent) return undefined;
  if (arming.inStore) return 'The dump store is private to this process and goes with it; configure storeDir on a volume to find the snapshot after the crash.';
  const where = arming.directorySource === 'cwd' ? `the working directory ${arming.directory}` : `--diagnostic-dir ${arming.directory}`;
  return (
    `Node will write the snapshot into ${where}, not into the dump store, so it will not show in /dumps: ` +
    (persistent ? 'start the app with --diagnostic-dir set to the store (storeDir) to have it adopted.' : 'configure storeDir on a volume and start the app with --diagnostic-dir set to it.')
  );
}

/**
 * Whether the process that wrote (or writes) a file is gone. A pid that no longer answers is gone, and
 * so is one that a process started after the file was last written now holds (the pid was reused: its
 * start time, from /proc as for an instance marker, is never late); our own pid is ours only for files
 * written since we started (a restarted container's app is pid 1 again, like the one that died); a file
 * without a pid (V8's own on Node 22) is judged by its age alone.
 */
export function writerGone(pid: number | undefined, modifiedMs: number, startedAt = PROCESS_STARTED_AT): boolean {
  if (pid !== undefined && pid !== process.pid) {
    const state = processState(pid);
    return !state.running || (state.startedAtMs !== undefined && state.startedAtMs > modifiedMs);
  }
  return modifiedMs < startedAt;
}

export interface SnapshotScan {
  /** Whole snapshots, not yet claimed: ready to adopt. */
  whole: Array<LeftHeapSnapshot & { modifiedMs: number }>;
  /** Files removed: cut short, and their writer is gone. */
  removed: string[];
}

/**
 * How the writer of a file is judged. `pid`: the endpoint runs inside the inspected process, so a pid
 * in a file's name is one of this pid namespace. `file`: the endpoint is outside it (a sidecar,
 * another container's pid namespace, where a pid means nothing), so only the file itself tells: a
 * whole file that has not changed for QUIET_MS is adopted, and a file cut short is removed only once
 * it has not changed for CUT_SHORT_UNTOUCHED_MS, never because a pid does not answer here.
 */
export type WriterJudgement = 'pid' | 'file';

/** How long a whole file must stay unchanged before a sidecar adopts it. */
export const QUIET_MS = 3000;
/** Far longer than any pause in Node's writing a snapshot: a file untouched that long is never finished. */
export const CUT_SHORT_UNTOUCHED_MS = 10 * 60_000;

/**
 * Looks at the snapshots Node or V8 left in the store. A file still being written is neither: it is
 * looked at again on the next scan. One entry that cannot be read never stops the scan.
 */
export function scanForSnapshots(directory: string, claimed: ReadonlySet<string>, judgement: WriterJudgement = 'pid', now = Date.now()): SnapshotScan {
  const scan: SnapshotScan = { whole: [], removed: [] };
  for (const file of findLeftHeapSnapshots(directory)) {
    if (claimed.has(file.name)) continue;
    let modifiedMs: number;
    try {
      modifiedMs = lstatSync(file.path).mtimeMs;
    } catch {
      continue;
    }
    const untouchedMs = now - modifiedMs;
    if (isWholeHeapSnapshotFile(file.path)) {
      if (judgement === 'pid' || untouchedMs >= QUIET_MS) scan.whole.push({ ...file, modifiedMs });
      continue;
    }
    const gone = judgement === 'pid' ? writerGone(file.pid, modifiedMs) : untouchedMs >= CUT_SHORT_UNTOUCHED_MS;
    if (!gone) continue;
    try {
      rmSync(file.path, { force: true });
      scan.removed.push(file.name);
    } catch {
      // Not ours to remove (EPERM, EACCES): it is never adopted either, being cut short.
    }
  }
  return scan;
}

/**
 * Makes a whole snapshot the store's (0600: V8's own flag writes 0644) and reads its size and SHA-256,
 * all through one descriptor of the regular file itself: a link put in its place is never followed.
 */
export async function inspectWholeSnapshot(path: string): Promise<{ size: number; sha256: string }> {
  const fd = openRegularFile(path);
  if (fd === undefined) throw new Error('not a regular file');
  let closed = false;
  try {
    fchmodSync(fd, 0o600);
    const size = fstatSync(fd).size;
    const hash = createHash('sha256');
    closed = true; // the stream closes the descriptor when it ends or fails
    for await (const chunk of createReadStream('', { fd, autoClose: true, start: 0 })) hash.update(chunk as Buffer);
    return { size, sha256: hash.digest('hex') };
  } finally {
    if (!closed) closeSync(fd);
  }
}
