import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ownPidNamespace, startTicksInStat } from './process-counters.js';

/**
 * A process instance's marker, the `{instance}` of an object key: `<space>t<start>`, where `<space>` is
 * 12 hex digits of a hash of the kernel's boot id and the pid namespace, and `<start>` the process's
 * start in clock ticks since boot (base 36). A pid means something only within its namespace and boot;
 * within them, a pid and its start time name one process for ever. So a reader in the same space can
 * tell the uploader's fate exactly, and a reader in another (a hostNetwork pod sharing the node's name,
 * the other container of a pod, the old pod of a rolling update) knows it cannot judge.
 */
export interface InstanceMarker {
  space: string;
  startTicks: number;
}

/** What a key holds where no marker can be made: it is never judged. */
export const UNKNOWN_INSTANCE = 'unknown';

const MARKER = /^([0-9a-f]{12})t([0-9a-z]{1,13})$/;

let own: string | undefined;

/** This process's marker, or `unknown` where /proc does not tell (not Linux). */
export function ownInstanceMarker(): string {
  own ??= computeOwnMarker();
  return own;
}

/** The pid-namespace-and-boot part of this process's marker, or undefined where /proc does not tell. */
export function ownInstanceSpace(): string | undefined {
  return parseInstanceMarker(ownInstanceMarker())?.space;
}

export function parseInstanceMarker(text: string): InstanceMarker | undefined {
  const match = MARKER.exec(text);
  if (match === null) return undefined;
  const startTicks = parseInt(match[2]!, 36);
  return Number.isSafeInteger(startTicks) ? { space: match[1]!, startTicks } : undefined;
}

/** A process's start in clock ticks since boot (/proc/PID/stat, field 22), or undefined. */
export function startTicksOf(pid: number | 'self'): number | undefined {
  try {
    return startTicksInStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

/** 12 hex digits of a hash of the kernel's boot id: the same for every process on this kernel, whatever its namespaces. */
export function ownBootMarker(): string | undefined {
  try {
    const boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    return boot === '' ? undefined : createHash('sha256').update(boot).digest('hex').slice(0, 12);
  } catch {
    return undefined;
  }
}

function computeOwnMarker(): string {
  try {
    const boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    const namespace = ownPidNamespace();
    const ticks = startTicksOf('self');
    if (boot === '' || namespace === undefined || ticks === undefined) return UNKNOWN_INSTANCE;
    const space = createHash('sha256').update(`${boot}\n${namespace}`).digest('hex').slice(0, 12);
    return `${space}t${ticks.toString(36)}`;
  } catch {
    return UNKNOWN_INSTANCE;
  }
}
