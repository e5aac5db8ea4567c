import { readFileSync } from 'node:fs';
import { freemem, totalmem } from 'node:os';
import { join } from 'node:path';
import { rssInStatus } from '../process/process-counters.js';

/** Where a memory budget came from, most specific first. */
export type MemoryBudgetSource = 'option' | 'cgroup-v2' | 'cgroup-v1' | 'process.constrainedMemory' | 'physical' | 'unknown';

/** What a process may still use before it is killed or starts to swap. */
export interface MemoryBudget {
  /** The most it may use in all, or undefined where that is not known. */
  limitBytes: number | undefined;
  /** What it may still add to what it uses now, or undefined where that is not known. */
  availableBytes: number | undefined;
  source: MemoryBudgetSource;
}

export interface MemoryBudgetOptions {
  /** A limit the operator set (bytes); it wins over everything read from the system. */
  memoryLimit?: number;
  /** The process to ask about; its own pid (or 'self') by default. Another pid is read through /proc/PID. */
  pid?: number | 'self';
  /** Prefix for /proc and /sys (tests point it at a directory of their own); '/' by default. */
  root?: string;
}

/** cgroup v1 reports "no limit" as a page-rounded 2^63 - 1; anything this large means the same. */
const UNLIMITED_FLOOR = 2 ** 60;

/**
 * The memory budget of a process: its cgroup's limit and usage (v2, then v1), else Node's own view
 * (`process.constrainedMemory()`/`availableMemory()`, for this process only), else the machine's
 * physical memory with MemAvailable (free plus reclaimable page cache). Available memory is never
 * more than the machine has available: a container's limit may exceed what the host can still give.
 */
export function readMemoryBudget(options: MemoryBudgetOptions = {}): MemoryBudget {
  const root = options.root ?? '/';
  const pid = options.pid ?? 'self';
  const isSelf = pid === 'self' || (pid === process.pid && root === '/');
  const physical = readPhysical(root, isSelf);

  if (options.memoryLimit !== undefined) {
    if (!(options.memoryLimit > 0)) throw new RangeError('memoryLimit must be a positive number of bytes');
    const used = isSelf && root === '/' ? process.memoryUsage.rss() : readRss(root, pid);
    const available = used === undefined ? undefined : Math.max(0, options.memoryLimit - used);
    return { limitBytes: options.memoryLimit, availableBytes: minDefined(available, physical.availableBytes), source: 'option' };
  }

  const cgroup = readCgroup(root, pid);
  if (cgroup !== undefined) return { ...cgroup, availableBytes: minDefined(cgroup.availableBytes, physical.availableBytes) };

  if (isSelf && root === '/') {
    const constrained = nodeConstrainedMemory();
    if (constrained !== undefined) return { ...constrained, availableBytes: minDefined(constrained.availableBytes, physical.availableBytes) };
  }
  return physical;
}

/** Node 19.6+ reads the cgroup limit itself (also where /sys is not mounted); availableMemory() since 20.13/22. */
function nodeConstrainedMemory(): MemoryBudget | undefined {
  const withMemory = process as NodeJS.Process & { constrainedMemory?: () => number; availableMemory?: () => number };
  const limit = withMemory.constrainedMemory?.();
  if (limit === undefined || limit <= 0 || limit >= UNLIMITED_FLOOR) return undefined;
  const available = withMemory.availableMemory?.() ?? Math.max(0, limit - process.memoryUsage.rss());
  return { limitBytes: limit, availableBytes: available, source: 'process.constrainedMemory' };
}

function readPhysical(root: string, isSelf: boolean): MemoryBudget {
  const meminfo = readText(join(root, 'proc/meminfo'));
  const total = meminfoBytes(meminfo, 'MemTotal') ?? (isSelf && root === '/' ? totalmem() : undefined);
  const available = meminfoBytes(meminfo, 'MemAvailable') ?? (isSelf && root === '/' ? freemem() : undefined);
  if (total === undefined && available === undefined) return { limitBytes: undefined, availableBytes: undefined, source: 'unknown' };
  return { limitBytes: total, availableBytes: available, source: 'physical' };
}

interface CgroupMembership {
  /** The cgroup2 path ("0::/a/b"), if any. */
  unified?: string;
  /** The cgroup v1 memory controller's path, if any. */
  memory?: string;
}

function readMembership(root: string, pid: number | 'self'): CgroupMembership | undefined {
  const text = readText(join(root, 'proc', String(pid), 'cgroup'));
  if (text === undefined) return undefined;
  const membership: CgroupMembership = {};
  for (const line of text.split('\n')) {
    const [id, controllers, path] = splitCgroupLine(line);
    if (path === undefined) continue;
    if (id === '0' && controllers === '') membership.unified = path;
    else if (controllers?.split(',').includes('memory')) membership.memory = path;
  }
  return membership;
}

function splitCgroupLine(line: string): [string?, string?, string?] {
  const first = line.indexOf(':');
  const second = line.indexOf(':', first + 1);
  if (first < 0 || second < 0) return [];
  return [line.slice(0, first), line.slice(first + 1, second), line.slice(second + 1)];
}

/**
 * The tightest limit on the way from the process's cgroup up to the hierarchy's root, and the usage
 * of the deepest group that can be read. In a container with its own cgroup namespace the path in
 * /proc/PID/cgroup may not exist under the mount (it names the host's view), so the groups that do
 * exist are used: the mount's root is then the container's own group.
 */
function readCgroup(root: string, pid: number | 'self'): MemoryBudget | undefined {
  const membership = readMembership(root, pid);
  if (membership === undefined) return undefined;
  // A v1 memory controller governs memory even on a hybrid system where a v2 hierarchy exists as well.
  if (membership.memory !== undefined) {
    const v1 = readHierarchy(join(root, 'sys/fs/cgroup/memory'), membership.memory, 'memory.limit_in_bytes', 'memory.usage_in_bytes', 'total_inactive_file');
    if (v1 !== undefined) return { ...v1, source: 'cgroup-v1' };
  }
  if (membership.unified !== undefined) {
    const v2 = readHierarchy(join(root, 'sys/fs/cgroup'), membership.unified, 'memory.max', 'memory.current', 'inactive_file');
    if (v2 !== undefined) return { ...v2, source: 'cgroup-v2' };
  }
  return undefined;
}

function readHierarchy(mount: string, groupPath: string, limitFile: string, usageFile: string, inactiveFileKey: string): Omit<MemoryBudget, 'source'> | undefined {
  let limit: number | undefined;
  let usage: number | undefined;
  let inactiveFile = 0;
  let sawGroup = false;
  const parts = groupPath.split('/').filter((part) => part !== '');
  for (let depth = parts.length; depth >= 0; depth--) {
    const dir = join(mount, ...parts.slice(0, depth));
    const limitText = readText(join(dir, limitFile));
    if (limitText === undefined) continue;
    sawGroup = true;
    const groupLimit = parseLimit(limitText);
    if (groupLimit !== undefined) limit = Math.min(limit ?? Infinity, groupLimit);
    if (usage === undefined) {
      usage = Number(readText(join(dir, usageFile))?.trim());
      if (!Number.isFinite(usage)) usage = undefined;
      // Inactive file cache is charged to the group but reclaimed before the OOM killer acts.
      inactiveFile = Number(new RegExp(`^${inactiveFileKey} (\\d+)$`, 'm').exec(readText(join(dir, 'memory.stat')) ?? '')?.[1] ?? 0);
    }
  }
  if (!sawGroup || limit === undefined) return undefined;
  const workingSet = usage === undefined ? undefined : Math.max(0, usage - inactiveFile);
  return { limitBytes: limit, availableBytes: workingSet === undefined ? undefined : Math.max(0, limit - workingSet) };
}

function parseLimit(text: string): number | undefined {
  const trimmed = text.trim();
  if (trimmed === 'max') return undefined;
  const value = Number(trimmed);
  return Number.isFinite(value) && value > 0 && value < UNLIMITED_FLOOR ? value : undefined;
}

function readRss(root: string, pid: number | 'self'): number | undefined {
  return rssInStatus(readText(join(root, 'proc', String(pid), 'status')));
}

function meminfoBytes(meminfo: string | undefined, key: string): number | undefined {
  const kib = Number(new RegExp(`^${key}:\\s*(\\d+) kB$`, 'm').exec(meminfo ?? '')?.[1]);
  return Number.isFinite(kib) && meminfo !== undefined && new RegExp(`^${key}:`, 'm').test(meminfo) ? kib * 1024 : undefined;
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

function minDefined(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.min(a, b);
}
