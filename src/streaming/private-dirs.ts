import { lstatSync, readdirSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir as osTmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** What the endpoint keeps in a private directory of its own: stored dumps, a snapshot's pipe, a slow client's spill. */
export type PrivateDirKind = 'dumps' | 'pipe' | 'spill';

const NAME = /^maintenance-endpoint-(dumps|pipe|spill)-(\d+)-/;

/**
 * The name prefix of a private directory (for `tmp`'s `prefix`): it carries the owner's pid, so a later
 * start can tell a directory left by a process that died from one a live process still uses.
 */
export function privateDirPrefix(kind: PrivateDirKind): string {
  return `maintenance-endpoint-${kind}-${process.pid}-`;
}

/** When this process started: nothing dated before that was made by it, whatever the pid in its name. */
export const PROCESS_STARTED_AT = Date.now() - process.uptime() * 1000;

/**
 * How far before PROCESS_STARTED_AT a directory must date to be a previous life's: file system clocks
 * are coarse, and a directory this process makes in its first moments must never look older than it.
 */
const START_MARGIN_MS = 1000;

/**
 * Removes the private directories that processes which no longer exist left in `parents` (a process
 * killed by a signal it does not handle runs no exit handler). Only this user's, and never a live
 * process's: a pid that answers signal 0, or exists under another user, is left alone. Our own pid is
 * not proof of life: a restarted container's app is pid 1 again, like the one that died, so a directory
 * with our pid that was last modified before this process started is a previous life's. Returns what
 * was removed. Never throws: a sweep that cannot read a folder has nothing to say. The paths in `keep`
 * (a configured persistent dump store) are never removed, whatever their name.
 */
export function sweepLeftovers(parents: readonly (string | undefined)[], keep: readonly string[] = []): string[] {
  const removed: string[] = [];
  // Both as given and with symbolic links resolved: a store reached through a link is kept too.
  const kept = new Set(keep.flatMap((path) => [resolve(path), realPath(path)]));
  const uid = process.getuid?.();
  for (const parent of new Set(parents.map((path) => path ?? osTmpdir()))) {
    let names: string[];
    try {
      names = readdirSync(parent);
    } catch {
      continue;
    }
    for (const name of names) {
      const pid = Number(NAME.exec(name)?.[2]);
      if (!Number.isInteger(pid) || (pid !== process.pid && isProcessAlive(pid))) continue;
      const path = join(parent, name);
      if (kept.has(resolve(path))) continue;
      try {
        const stats = lstatSync(path);
        if (!stats.isDirectory() || (uid !== undefined && stats.uid !== uid)) continue;
        if (pid === process.pid && stats.mtimeMs >= PROCESS_STARTED_AT - START_MARGIN_MS) continue;
        rmSync(path, { recursive: true, force: true });
        removed.push(path);
      } catch {
        // Gone meanwhile, or not ours to remove: either way nothing to do.
      }
    }
  }
  return removed;
}

function realPath(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
}

/** Whether a process with this pid exists (under any user). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, under another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const cleanups = new Set<() => void>();
const SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const;

function runCleanups(): void {
  for (const cleanup of cleanups) {
    try {
      cleanup();
    } catch {
      // One failed removal must not keep the others from running.
    }
  }
}

/**
 * A termination signal the app does not handle ends the process without its exit handlers. Until
 * then, this listener only cleans up when it is the sole listener: it runs the cleanups, steps aside
 * and raises the signal again, so the process ends exactly as it would have. When the app has its own
 * handler, the app decides whether to exit, and the exit handler cleans up.
 */
function onSignal(signal: NodeJS.Signals): void {
  if (process.listenerCount(signal) > 1) return;
  runCleanups();
  cleanups.clear();
  uninstall();
  process.kill(process.pid, signal);
}

const listeners = new Map(SIGNALS.map((signal) => [signal, () => onSignal(signal)]));

function install(): void {
  process.on('exit', runCleanups);
  for (const [signal, listener] of listeners) process.on(signal, listener);
}

function uninstall(): void {
  process.off('exit', runCleanups);
  for (const [signal, listener] of listeners) process.off(signal, listener);
}

/**
 * Runs `cleanup` when the process ends: on a normal exit, and on SIGTERM, SIGINT or SIGHUP that the
 * app does not handle itself. Call it on the main thread (a worker's handlers do not run when the
 * process ends). The returned function runs the cleanup now and forgets it.
 */
export function cleanUpAtProcessEnd(cleanup: () => void): () => void {
  if (cleanups.size === 0) install();
  cleanups.add(cleanup);
  return () => {
    if (!cleanups.delete(cleanup)) return;
    if (cleanups.size === 0) uninstall();
    cleanup();
  };
}
