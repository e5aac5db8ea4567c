import { closeSync, lstatSync, openSync, readFileSync, rmSync, utimesSync, writeSync } from 'node:fs';
import { hostname as osHostname } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../errors.js';
import { ownInstanceMarker, ownInstanceSpace, parseInstanceMarker, UNKNOWN_INSTANCE } from '../process/process-instance.js';
import { processState } from '../process/process-liveness.js';
import { cleanUpAtProcessEnd, isProcessAlive, PROCESS_STARTED_AT } from '../streaming/private-dirs.js';

/**
 * One process at a time per persistent store (`storeDir`). Two endpoints sharing one (a rolling update
 * whose new pod mounts the old pod's volume) would each remove what the other is writing as "left by a
 * killed process". The store holds a lock file naming its holder: pid, start time, host name and
 * instance marker (boot and pid namespace, start in clock ticks: process/process-instance.ts).
 *
 * Whether the holder still lives: in the same pid namespace and boot (its marker says so), exactly: a
 * process runs under its pid and started when the marker says (a restarted container's app is pid 1
 * again, like the one that died). Elsewhere its pid means nothing here (another container of the pod
 * shares the host name, not the pids; another host neither), so the lock's age decides: the holder
 * touches it every HEARTBEAT_MS, and a lock untouched for STALE_MS is a dead holder's. A lock without a
 * marker (made where /proc tells nothing) is judged as before markers: by pid on the same host name.
 */
export const STORE_LOCK_NAME = '.maintenance-endpoint.lock';
const HEARTBEAT_MS = 10_000;
const STALE_MS = 60_000;

interface LockHolder {
  pid: number;
  startedAt: number;
  hostname: string;
  instance?: string;
}

/** This process's locks, by path, with how many stores of this process share each. */
const held = new Map<string, { count: number; release: () => void }>();

const self = (): LockHolder => {
  const instance = ownInstanceMarker();
  return { pid: process.pid, startedAt: PROCESS_STARTED_AT, hostname: osHostname(), ...(instance === UNKNOWN_INSTANCE ? {} : { instance }) };
};

/**
 * Takes the store's lock, or throws ConfigError STORE_IN_USE naming the live holder. A lock left by a
 * holder that is gone is taken over. The returned function releases it (also done when the process ends).
 */
export function lockStore(storeDir: string): () => void {
  const path = join(storeDir, STORE_LOCK_NAME);
  const mine = held.get(path);
  if (mine !== undefined) {
    mine.count++; // a second endpoint of this same process
    return once(() => releaseShared(path));
  }
  for (let attempt = 0; ; attempt++) {
    if (tryCreate(path)) break;
    const holder = readHolder(path);
    if (holder !== undefined && holderLives(holder, path)) {
      throw new ConfigError(
        'STORE_IN_USE',
        `The dump store ${storeDir} is in use by process ${holder.pid} on ${holder.hostname} (started ${new Date(holder.startedAt).toISOString()}): ` +
          'two processes must not share one storeDir. Give each its own (a subdirectory per pod), or stop the other first. ' +
          `If that process is gone, remove ${path}.`,
      );
    }
    // Gone (or unreadable: a lock cut short by a crash): take it over, once; a start racing us for it wins or refuses us.
    if (attempt > 0) throw new ConfigError('STORE_IN_USE', `The dump store ${storeDir} is being taken by another process at the same time.`);
    rmSync(path, { force: true });
  }
  const heartbeat = setInterval(() => {
    try {
      const now = new Date();
      utimesSync(path, now, now);
    } catch {
      // Removed by hand: nothing to keep fresh.
    }
  }, HEARTBEAT_MS).unref();
  const unregister = cleanUpAtProcessEnd(() => {
    clearInterval(heartbeat);
    // Only our own lock: one taken over meanwhile (after a long freeze) is the new holder's.
    const holder = readHolder(path);
    if (holder !== undefined && isSelf(holder)) rmSync(path, { force: true });
  });
  held.set(path, { count: 1, release: unregister });
  return once(() => releaseShared(path));
}

function releaseShared(path: string): void {
  const entry = held.get(path);
  if (entry === undefined || --entry.count > 0) return;
  held.delete(path);
  entry.release();
}

function once(action: () => void): () => void {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    action();
  };
}

function tryCreate(path: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  try {
    writeSync(fd, JSON.stringify(self()));
  } finally {
    closeSync(fd);
  }
  return true;
}

function readHolder(path: string): LockHolder | undefined {
  try {
    if (!lstatSync(path).isFile()) return undefined;
    const value = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockHolder>;
    if (!Number.isInteger(value.pid) || typeof value.startedAt !== 'number' || typeof value.hostname !== 'string') return undefined;
    if (value.instance !== undefined && typeof value.instance !== 'string') return undefined;
    return value as LockHolder;
  } catch {
    return undefined;
  }
}

function isSelf(holder: LockHolder): boolean {
  const me = self();
  return holder.pid === me.pid && holder.startedAt === me.startedAt && holder.hostname === me.hostname;
}

function holderLives(holder: LockHolder, path: string): boolean {
  const marker = holder.instance === undefined ? undefined : parseInstanceMarker(holder.instance);
  const space = ownInstanceSpace();
  if (marker !== undefined && space !== undefined) {
    if (marker.space !== space) return recentlyTouched(path);
    const state = processState(holder.pid);
    return state.running && (state.startTicks === undefined || state.startTicks === marker.startTicks);
  }
  if (holder.hostname !== osHostname()) return recentlyTouched(path);
  // Our own pid with another start time: a previous life of this container (or of a pid reused on this host).
  if (holder.pid === process.pid) return holder.startedAt === PROCESS_STARTED_AT;
  return isProcessAlive(holder.pid);
}

/** Whether the holder's heartbeat touched the lock within STALE_MS. */
function recentlyTouched(path: string): boolean {
  try {
    return Date.now() - lstatSync(path).mtimeMs < STALE_MS;
  } catch {
    return false;
  }
}
