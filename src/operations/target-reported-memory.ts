import type { MemoryBudget } from '../probe/memory-limit.js';
import { evaluateJson } from '../targets/protocol.js';
import type { CdpTarget } from '../targets/target.js';

/** What the target process says of its own memory, read on its main thread. */
export interface ReportedMemory {
  /** `process.constrainedMemory()`: the cgroup limit Node reads itself; 0 or ~2^64 when there is none. */
  constrained: number | undefined;
  /** `process.availableMemory()` (Node 20.13/22+): what the process may still add, cgroup and host considered. */
  available: number | undefined;
  rss: number;
  /** `os.totalmem()` and `os.freemem()` (MemAvailable on Linux): the host as the target sees it. */
  total: number;
  free: number;
}

/**
 * Node answers these from inside the target's own cgroup and host, so they hold where /proc cannot
 * be matched to the target (a sidecar in its own pid namespace, another host). The console's `require`
 * reaches `node:os` in ES module apps too; a method that does not exist reads as undefined.
 */
const REPORT_EXPRESSION = `(() => {
  const os = require('node:os');
  return {
    constrained: typeof process.constrainedMemory === 'function' ? process.constrainedMemory() : undefined,
    available: typeof process.availableMemory === 'function' ? process.availableMemory() : undefined,
    rss: process.memoryUsage.rss(),
    total: os.totalmem(),
    free: os.freemem(),
  };
})()`;

export function readReportedMemory(target: CdpTarget): Promise<ReportedMemory> {
  return evaluateJson<ReportedMemory>(target, "Reading the target's memory figures", REPORT_EXPRESSION, { commandLineApi: true });
}

/** A limit this large means none (cgroup v1 reports "no limit" as 2^63 rounded, Node as 2^64 - 1 or 0). */
const UNLIMITED_FLOOR = 2 ** 60;

/**
 * The budget the target's own figures give, in the same order of precedence as a local read: the
 * operator's limit (less what the target already uses), then its cgroup limit, then the host's memory.
 * What it may still use is never more than the host has available.
 */
export function budgetFromReportedMemory(reported: ReportedMemory, memoryLimit: number | undefined): MemoryBudget {
  const hostAvailable = positive(reported.free);
  if (memoryLimit !== undefined) {
    return { limitBytes: memoryLimit, availableBytes: minDefined(Math.max(0, memoryLimit - reported.rss), hostAvailable), source: 'option' };
  }
  const constrained = positive(reported.constrained);
  if (constrained !== undefined && constrained < UNLIMITED_FLOOR) {
    const available = typeof reported.available === 'number' && reported.available >= 0 ? reported.available : Math.max(0, constrained - reported.rss);
    return { limitBytes: constrained, availableBytes: minDefined(available, hostAvailable), source: 'process.constrainedMemory' };
  }
  const total = positive(reported.total);
  if (total === undefined && hostAvailable === undefined) return { limitBytes: undefined, availableBytes: undefined, source: 'unknown' };
  return { limitBytes: total, availableBytes: hostAvailable, source: 'physical' };
}

function positive(value: number | undefined): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : undefined;
}

function minDefined(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.min(a, b);
}
