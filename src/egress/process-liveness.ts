import { readFileSync } from 'node:fs';

/** What this host knows of a process id: nothing runs under it, or something does (started when, if known). */
export type ProcessState = { running: false } | { running: true; startedAtMs: number | undefined };

/**
 * Linux reports a process's start in clock ticks since boot (/proc/PID/stat, field 22) and the boot
 * time in whole seconds (/proc/stat, btime). USER_HZ is 100 on every Linux architecture Node runs on.
 */
const TICKS_PER_SECOND = 100;

/**
 * Whether a process runs under `pid` on this host (in this pid namespace), and since when. The start
 * time tells a reused pid from the process that once held it: the sum btime + ticks is at most 1 s
 * early (btime is truncated), never late, so "started after T" read from it is always true.
 */
export function processState(pid: number): ProcessState {
  if (!Number.isSafeInteger(pid) || pid <= 0) return { running: false };
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return { running: false };
  }
  return { running: true, startedAtMs: processStartTime(pid) };
}

/** Epoch milliseconds at which `pid` on this host started, or undefined where /proc cannot tell. */
export function processStartTime(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces or ")": fields resume after the last ")".
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[19]); // field 22 overall: fields 3.. start at index 0
    const bootSeconds = Number(/^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'))?.[1]);
    if (!Number.isFinite(ticks) || !Number.isFinite(bootSeconds)) return undefined;
    return bootSeconds * 1000 + (ticks / TICKS_PER_SECOND) * 1000;
  } catch {
    return undefined;
  }
}
