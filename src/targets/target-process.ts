import { ownPidNamespace, readProcessCounters, startTicksInStat } from '../process/process-counters.js';
import { evaluate } from './protocol.js';
import type { CdpTarget } from './target.js';

/** The inspected process as this host's /proc shows it, or why it cannot be read here. */
export type TargetProcess = { pid: number; startTicks: number } | { unreadable: string };

/**
 * Finds the inspected process (`pid`, as it tells its own) in this host's /proc, for an endpoint outside
 * it (a sidecar). A pid means something only within its pid namespace: the target is asked its namespace
 * and its start time, and both must be what /proc/PID shows here, or the counters there would be another
 * process's. The question reads /proc/self in the target; it changes nothing there.
 */
export async function locateTargetProcess(target: CdpTarget, pid: number): Promise<TargetProcess> {
  const own = ownPidNamespace();
  if (own === undefined) return { unreadable: 'this host has no /proc to read another process in' };
  const theirs = await evaluate<{ namespace: string | null; stat: string | null }>(
    target,
    'Reading the pid namespace',
    "(() => { const fs = require('node:fs'); const read = (f) => { try { return f(); } catch { return null; } }; return { namespace: read(() => fs.readlinkSync('/proc/self/ns/pid')), stat: read(() => fs.readFileSync('/proc/self/stat', 'utf8')) }; })()",
    { commandLineApi: true },
  );
  if (theirs.namespace === null || theirs.stat === null) return { unreadable: `process ${pid} cannot read its own /proc (not Linux?), so its pid cannot be matched to this host's` };
  if (theirs.namespace !== own) {
    return { unreadable: `process ${pid} runs in another pid namespace (${theirs.namespace}; this sidecar's is ${own}), so /proc/${pid} here is not it: run the sidecar in the target's pid namespace (a pod with shareProcessNamespace, docker --pid container:NAME)` };
  }
  const counters = readProcessCounters(pid);
  if (counters === undefined) return { unreadable: `/proc/${pid} cannot be read by this sidecar (another user's process, or /proc mounted with hidepid)` };
  if (counters.startTicks !== startTicksInStat(theirs.stat)) return { unreadable: `/proc/${pid} here shows a process that started at another time than the target` };
  return { pid, startTicks: counters.startTicks };
}
