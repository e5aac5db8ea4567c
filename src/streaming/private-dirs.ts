import { execFileSync } from 'node:child_process';
import { closeSync, constants, lstatSync, openSync, readdirSync, realpathSync, renameSync, rmSync } from 'node:fs';
import { tmpdir as osTmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ownBootMarker, ownInstanceMarker, ownInstanceSpace, parseInstanceMarker, UNKNOWN_INSTANCE } from '../process/process-instance.js';
import { processState } from '../process/process-liveness.js';

/** What the endpoint keeps in a private directory of its own: stored dumps, a snapshot's pipe, a slow client's spill. */
export type PrivateDirKind = 'dumps' | 'pipe' | 'spill';

const NAME = /^maintenance-endpoint-(dumps|pipe|spill)-(\d+)-(?:([0-9a-f]{12}t[0-9a-z]{1,13})-)?/;

/**
 * The name prefix of a private directory (for `tmp`'s `prefix`): it carries the owner's pid and its
 * instance marker (boot and pid namespace, start time: process-instance.ts), so a later start can tell
 * a directory left by a process that died from one a live process still uses, even from another pid
 * namespace sharing the same temp directory (containers sharing an emptyDir), where the pid alone says
 * nothing: both may be pid 1.
 */
export function privateDirPrefix(kind: PrivateDirKind): string {
  const marker = ownInstanceMarker();
  return `maintenance-endpoint-${kind}-${process.pid}-${marker === UNKNOWN_INSTANCE ? '' : `${marker}-`}`;
}

/** When this process started: nothing dated before that was made by it, whatever the pid in its name. */
export const PROCESS_STARTED_AT = Date.now() - process.uptime() * 1000;

/**
 * The owner's pipe: a FIFO in a long-lived private directory that its owner holds open for reading as
 * long as it lives. The kernel knows whether any process has a FIFO open, whatever its pid namespace:
 * a non-blocking open for writing fails with ENXIO exactly when no reader is left. The name carries
 * the boot's marker: a FIFO says nothing about readers on another kernel (a file system shared by hosts).
 */
const OWNER_PIPE = /^owner-([0-9a-f]{12})\.fifo$/;

/**
 * Removes the private directories that processes which no longer exist left in `parents` (a process
 * killed by a signal it does not handle runs no exit handler). Only this user's, and never one whose
 * owner may live:
 * - made in this pid namespace and boot (its marker says so): removed when no process runs under its
 *   pid, or the one that does started at another time (the pid was reused: a restarted container's app
 *   is pid 1 again, like the one that died);
 * - made in another pid namespace or boot: removed only when its owner's pipe says no process holds it;
 *   without a pipe (not made, or not of this kernel), it cannot be judged and stays;
 * - without a marker (made where /proc tells nothing): judged by its pid where there are no pid
 *   namespaces to confuse it (no /proc here either), and left alone elsewhere.
 * Returns what was removed. Never throws: a sweep that cannot read a folder has nothing to say. The
 * paths in `keep` (a configured persistent dump store) are never removed, whatever their name.
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
      const match = NAME.exec(name);
      if (match === null) continue;
      const path = join(parent, name);
      if (kept.has(resolve(path))) continue;
      try {
        const stats = lstatSync(path);
        if (!stats.isDirectory() || (uid !== undefined && stats.uid !== uid)) continue;
        if (!ownerIsGone(Number(match[2]), match[3], path)) continue;
        rmSync(path, { recursive: true, force: true });
        removed.push(path);
      } catch {
        // Gone meanwhile, or not ours to remove: either way nothing to do.
      }
    }
  }
  return removed;
}

/** True only when the directory's owner is known to be gone (see sweepLeftovers). */
function ownerIsGone(pid: number, markerText: string | undefined, path: string): boolean {
  const marker = markerText === undefined ? undefined : parseInstanceMarker(markerText);
  const space = ownInstanceSpace();
  if (marker === undefined) return space === undefined && pid !== process.pid && !isProcessAlive(pid);
  if (marker.space !== space) return ownerPipeSaysGone(path);
  const state = processState(pid);
  return !state.running || (state.startTicks !== undefined && state.startTicks !== marker.startTicks);
}

function ownerPipeSaysGone(directory: string): boolean {
  const boot = ownBootMarker();
  if (boot === undefined) return false;
  let names: string[];
  try {
    names = readdirSync(directory);
  } catch {
    return false;
  }
  const pipe = names.find((name) => OWNER_PIPE.exec(name)?.[1] === boot);
  if (pipe === undefined) return false;
  const path = join(directory, pipe);
  try {
    if (!lstatSync(path).isFIFO()) return false;
    closeSync(openSync(path, constants.O_WRONLY | constants.O_NONBLOCK));
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENXIO';
  }
}

/**
 * Makes the owner's pipe in `directory` and holds it open for reading until the returned function
 * closes it (or the process ends, when the kernel closes it). The pipe is opened under a temporary name
 * and renamed: a sweep never sees it without its reader. Where no FIFO can be made (no mkfifo, not
 * Linux), there is none: a sweep from another pid namespace then leaves the directory alone.
 */
export function holdOwnerPipe(directory: string): () => void {
  const boot = ownBootMarker();
  if (boot === undefined) return () => undefined;
  const opening = join(directory, `opening-${boot}.fifo`);
  let fd: number | undefined;
  try {
    execFileSync('mkfifo', ['-m', '600', opening], { stdio: 'ignore', timeout: 5000 });
    fd = openSync(opening, constants.O_RDONLY | constants.O_NONBLOCK);
    renameSync(opening, join(directory, `owner-${boot}.fifo`));
  } catch {
    if (fd !== undefined) closeSync(fd);
    rmSync(opening, { force: true });
    return () => undefined;
  }
  const held = fd;
  let open = true;
  return () => {
    if (!open) return;
    open = false;
    closeSync(held);
  };
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
