import { readFileSync } from 'node:fs';
import { CLOCK_TICKS_PER_SECOND } from './process-counters.js';
import { startTicksOf } from './process-instance.js';

/** What this host knows of a process id: nothing runs under it, or something does (started when, if known). */
export type ProcessState =
  | { running: false }
  | { running: true; startedAtMs: number | undefined; startTicks: number | undefined };

/**
 * Whether a process runs under `pid` in this pid namespace, and since when: in clock ticks since boot
 * (exact: what an instance marker holds) and in epoch milliseconds (btime is truncated, so at most 1 s
 * early, never late).
 */
export function processState(pid: number): ProcessState {
  if (!Number.isSafeInteger(pid) || pid <= 0) return { running: false };
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return { running: false };
  }
  const startTicks = startTicksOf(pid);
  return { running: true, startTicks, startedAtMs: startTicks === undefined ? undefined : epochMs(startTicks) };
}

/** Epoch milliseconds at which `pid` on this host started, or undefined where /proc cannot tell. */
export function processStartTime(pid: number): number | undefined {
  const ticks = startTicksOf(pid);
  return ticks === undefined ? undefined : epochMs(ticks);
}

/**
 * A start in clock ticks since boot (/proc/PID/stat, field 22) in epoch milliseconds, from the boot time
 * Linux reports in whole seconds (/proc/stat, btime).
 */
function epochMs(ticks: number): number | undefined {
  try {
    const bootSeconds = Number(/^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'))?.[1]);
    return Number.isFinite(bootSeconds) ? bootSeconds * 1000 + (ticks / CLOCK_TICKS_PER_SECOND) * 1000 : undefined;
  } catch {
    return undefined;
  }
}
