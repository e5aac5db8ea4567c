import { readFileSync } from 'node:fs';
import { readMemoryBudget, type MemoryBudget } from '../probe/memory-limit.js';
import type { CdpTarget } from '../targets/target.js';

export interface TargetMemoryBudgetOptions {
  /** A limit the operator set (bytes), applied to the target process. */
  memoryLimit?: number;
}

/** How far apart the target's own start time and /proc's may be for both to describe the same process. */
const SAME_PROCESS_TOLERANCE_MS = 2000;

/**
 * The memory budget of the process behind `target`. A target in this process is read directly. Another
 * process is read through /proc/PID only when that pid on this host is the target itself: its start
 * time, as the kernel knows it, must match the target's `performance.timeOrigin` (a pid seen through an
 * inspector port may belong to another host or another pid namespace). Otherwise the budget is unknown,
 * unless the operator set a limit, and then only the limit is known.
 */
export async function readTargetMemoryBudget(target: CdpTarget, options: TargetMemoryBudgetOptions = {}): Promise<MemoryBudget> {
  if (target.capabilities.sharedFileSystem) return readMemoryBudget({ memoryLimit: options.memoryLimit });
  const pid = await target.processId();
  if (await isProcessOnThisHost(target, pid)) return readMemoryBudget({ memoryLimit: options.memoryLimit, pid });
  if (options.memoryLimit !== undefined) return { limitBytes: options.memoryLimit, availableBytes: undefined, source: 'option' };
  return { limitBytes: undefined, availableBytes: undefined, source: 'unknown' };
}

async function isProcessOnThisHost(target: CdpTarget, pid: number): Promise<boolean> {
  const startedAt = processStartTime(pid);
  if (startedAt === undefined) return false;
  const reply = await target.send<{ result?: { value?: unknown } }>('Runtime.evaluate', { expression: 'performance.timeOrigin', returnByValue: true, silent: true });
  const timeOrigin = reply.result?.value;
  return typeof timeOrigin === 'number' && Math.abs(timeOrigin - startedAt) <= SAME_PROCESS_TOLERANCE_MS;
}

/** Epoch milliseconds at which `pid` started, from /proc/PID/stat (clock ticks since boot) and the boot time. */
export function processStartTime(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces and parentheses: fields are counted after its last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const startTicks = Number(fields[19]);
    const bootSeconds = Number(/^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'))?.[1]);
    if (!Number.isFinite(startTicks) || !Number.isFinite(bootSeconds)) return undefined;
    return bootSeconds * 1000 + (startTicks / CLOCK_TICKS_PER_SECOND) * 1000;
  } catch {
    return undefined;
  }
}

/** USER_HZ: 100 on every Linux architecture Node supports. */
const CLOCK_TICKS_PER_SECOND = 100;
