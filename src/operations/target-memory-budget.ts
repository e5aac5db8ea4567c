import { processStartTime } from '../process/process-liveness.js';
import { readMemoryBudget, type MemoryBudget } from '../probe/memory-limit.js';
import type { CdpTarget } from '../targets/target.js';
import { budgetFromReportedMemory, readReportedMemory } from './target-reported-memory.js';

export interface TargetMemoryBudgetOptions {
  /** A limit the operator set (bytes), applied to the target process. */
  memoryLimit?: number;
}

/** How far apart the target's own start time and /proc's may be for both to describe the same process. */
const SAME_PROCESS_TOLERANCE_MS = 2000;

/**
 * The memory budget of the process behind `target`. A target in this process is read directly. Another
 * process is read through /proc/PID when that pid on this host is the target itself: its start time, as
 * the kernel knows it, must match the target's `performance.timeOrigin` (a pid seen through an inspector
 * port may belong to another host or another pid namespace). Otherwise the target reports its own
 * figures over the protocol (its cgroup limit as Node reads it, its RSS, its host's memory). Only if
 * that fails too is the budget unknown, or just the operator's limit where one was set.
 */
export async function readTargetMemoryBudget(target: CdpTarget, options: TargetMemoryBudgetOptions = {}): Promise<MemoryBudget> {
  if (target.capabilities.sharedFileSystem) return readMemoryBudget({ memoryLimit: options.memoryLimit });
  const pid = await target.processId();
  if (await isProcessOnThisHost(target, pid)) return readMemoryBudget({ memoryLimit: options.memoryLimit, pid });
  try {
    return budgetFromReportedMemory(await readReportedMemory(target), options.memoryLimit);
  } catch {
    if (options.memoryLimit !== undefined) return { limitBytes: options.memoryLimit, availableBytes: undefined, source: 'option' };
    return { limitBytes: undefined, availableBytes: undefined, source: 'unknown' };
  }
}

async function isProcessOnThisHost(target: CdpTarget, pid: number): Promise<boolean> {
  // A target never runs in this process (that one shares the file system and is read directly). The same
  // number here means another pid namespace: in a pod without a shared one, the app and the sidecar are
  // both pid 1, started within a second or two of each other, which the start time alone would not tell.
  if (pid === process.pid) return false;
  const startedAt = processStartTime(pid);
  if (startedAt === undefined) return false;
  const reply = await target.send<{ result?: { value?: unknown } }>('Runtime.evaluate', { expression: 'performance.timeOrigin', returnByValue: true, silent: true });
  const timeOrigin = reply.result?.value;
  return typeof timeOrigin === 'number' && Math.abs(timeOrigin - startedAt) <= SAME_PROCESS_TOLERANCE_MS;
}
