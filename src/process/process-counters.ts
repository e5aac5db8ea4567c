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

/** The counters of `pid` as this host's /proc shows them, or undefined where it cannot be read (gone, not Linux, not ours). */
export function readProcessCounters(pid: number): ProcessCounters | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces or ")": fields resume after the last ")".
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 14 (utime), 15 (stime) and 22 (starttime), counted from field 3.
    const cpuTicks = Number(fields[11]) + Number(fields[12]);
    const startTicks = Number(fields[19]);
    const rssKib = Number(/^VmRSS:\s*(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
    if (!Number.isSafeInteger(cpuTicks) || !Number.isSafeInteger(startTicks) || !Number.isFinite(rssKib)) return undefined;
    return { rssBytes: rssKib * 1024, cpuTicks, startTicks };
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
