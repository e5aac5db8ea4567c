import { readFileSync, readlinkSync } from 'node:fs';

/** What /proc says of a process's use of the machine, read from outside it. */
export interface ProcessCounters {
  /** Resident set (VmRSS), bytes. */
  rssBytes: number;
  /** User plus system CPU time of all its threads, in clock ticks (USER_HZ, 100 a second on Linux). */
  cpuTicks: number;
  /** Its start in clock ticks since boot: with the pid, the process itself, whatever reuses the pid later. */
  startTicks: number;
}

/** USER_HZ is 100 on every Linux architecture Node runs on. */
export const CLOCK_TICKS_PER_SECOND = 100;

/**
 * The fields of a /proc/PID/stat text from the third (state) on: the command name (field 2) is in
 * parentheses and may hold spaces or ")", so they resume after the last ")".
 */
function fieldsAfterName(stat: string): string[] {
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** Field 22 (starttime) of a /proc/PID/stat text: the process's start in clock ticks since boot. */
export function startTicksInStat(stat: string): number | undefined {
  const ticks = Number(fieldsAfterName(stat)[19]);
  return Number.isSafeInteger(ticks) && ticks >= 0 ? ticks : undefined;
}

/** VmRSS of a /proc/PID/status text, in bytes. */
export function rssInStatus(status: string | undefined): number | undefined {
  const kib = Number(/^VmRSS:\s*(\d+) kB$/m.exec(status ?? '')?.[1]);
  return Number.isFinite(kib) ? kib * 1024 : undefined;
}

/** The counters of `pid` as this host's /proc shows them, or undefined where it cannot be read (gone, not Linux, not ours). */
export function readProcessCounters(pid: number): ProcessCounters | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields 14 (utime) and 15 (stime), counted from field 3.
    const fields = fieldsAfterName(stat);
    const cpuTicks = Number(fields[11]) + Number(fields[12]);
    const startTicks = startTicksInStat(stat);
    const rssBytes = rssInStatus(readFileSync(`/proc/${pid}/status`, 'utf8'));
    if (!Number.isSafeInteger(cpuTicks) || startTicks === undefined || rssBytes === undefined) return undefined;
    return { rssBytes, cpuTicks, startTicks };
  } catch {
    return undefined;
  }
}

/** This process's pid namespace (`pid:[4026531836]`), or undefined where /proc does not tell. */
export function ownPidNamespace(): string | undefined {
  try {
    return readlinkSync('/proc/self/ns/pid');
  } catch {
    return undefined;
  }
}
