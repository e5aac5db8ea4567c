import { readdirSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import type { CdpTarget } from '../targets/target.js';

/**
 * Node writes a heap snapshot itself when the V8 heap nears its limit, once armed by
 * `--heapsnapshot-near-heap-limit=N` or at run time by `v8.setHeapSnapshotNearHeapLimit(N)` (a no-op
 * when the flag is set or on a second call). Measured on Node 20.20, 22.23, 24.21 and 26.10, armed
 * by the flag, by the API at start, or through an inspector session's Runtime.evaluate long after
 * start: each wrote `Heap.<yyyymmdd>.<hhmmss>.<pid>.<threadId>.<seq>.heapsnapshot` and then died of
 * the OOM. The file goes to `--diagnostic-dir` (from the command line or NODE_OPTIONS, read once per
 * thread at its start) or else to the process's working directory at that moment: nothing changes
 * the directory at run time short of process.chdir, which would change the app's own paths. So the
 * dump store picks the file up from there, by the pid in its name.
 *
 * The snapshot is taken with the heap at its limit: its peak RSS is the estimate for a full heap
 * (snapshot-memory-estimate.ts), and where that is more than the container has, the kernel kills the
 * process during the snapshot and nothing is left (nodejs/node#50711 reports this from 22.14 on).
 */
export interface NearHeapLimitArming {
  /** False when the command line had armed it already (the call is then a no-op; files land the same). */
  armedNow: boolean;
  /** Where Node will write the snapshots. */
  directory: string;
  /** How the directory was chosen. */
  directorySource: '--diagnostic-dir' | 'cwd';
  pid: number;
  /** The V8 heap limit the snapshot will be taken at. */
  heapSizeLimit: number;
}

const ARM_EXPRESSION = (count: number | undefined) => `(() => {
  const v8 = require('node:v8');
  const args = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\\s+/).filter(Boolean)];
  const flagged = args.some((arg) => arg.startsWith('--heapsnapshot-near-heap-limit'));
  ${count === undefined ? '' : `v8.setHeapSnapshotNearHeapLimit(${count});`}
  let diagnosticDir;
  for (let i = 0; i < args.length; i++) {
    if (args[i].startsWith('--diagnostic-dir=')) diagnosticDir = args[i].slice('--diagnostic-dir='.length);
    else if (args[i] === '--diagnostic-dir') diagnosticDir = args[i + 1];
  }
  return JSON.stringify({ flagged, diagnosticDir, cwd: process.cwd(), pid: process.pid, heapSizeLimit: v8.getHeapStatistics().heap_size_limit });
})()`;

/**
 * Arms the target's near-heap-limit snapshot (`count` snapshots at most, V8 may approach its limit more
 * than once) and says where the file will land. Works on every kind of target: the expression runs on
 * the target's main thread with the console's `require`.
 */
export async function armHeapSnapshotNearHeapLimit(target: CdpTarget, options: { count?: number } = {}): Promise<NearHeapLimitArming> {
  const count = options.count ?? 1;
  if (!Number.isInteger(count) || count < 1) throw new RangeError('count must be a positive integer');
  return askNearHeapLimit(target, count);
}

/** Where the target's near-heap-limit snapshot would land, without arming anything (`armedNow` is false). */
export async function nearHeapLimitDestination(target: CdpTarget): Promise<NearHeapLimitArming> {
  return { ...(await askNearHeapLimit(target, undefined)), armedNow: false };
}

async function askNearHeapLimit(target: CdpTarget, count: number | undefined): Promise<NearHeapLimitArming> {
  const reply = await target.send<{ result: { value?: string }; exceptionDetails?: { text: string; exception?: { description?: string } } }>('Runtime.evaluate', {
    expression: ARM_EXPRESSION(count),
    includeCommandLineAPI: true,
    returnByValue: true,
    silent: true,
  });
  if (reply.exceptionDetails !== undefined || typeof reply.result.value !== 'string') {
    throw new Error(`Arming the near-heap-limit snapshot failed: ${reply.exceptionDetails?.exception?.description ?? reply.exceptionDetails?.text ?? 'no value'}`);
  }
  const seen = JSON.parse(reply.result.value) as { flagged: boolean; diagnosticDir?: string; cwd: string; pid: number; heapSizeLimit: number };
  const diagnosticDir = seen.diagnosticDir !== undefined && seen.diagnosticDir !== '' ? seen.diagnosticDir : undefined;
  return {
    armedNow: !seen.flagged,
    directory: diagnosticDir === undefined ? seen.cwd : isAbsolute(diagnosticDir) ? diagnosticDir : resolve(seen.cwd, diagnosticDir),
    directorySource: diagnosticDir === undefined ? 'cwd' : '--diagnostic-dir',
    pid: seen.pid,
    heapSizeLimit: seen.heapSizeLimit,
  };
}

const SNAPSHOT_NAME = /^Heap\.\d{8}\.\d{6}\.(\d+)\.(\d+)\.(\d{3})\.heapsnapshot$/;

/** The near-heap-limit snapshots `pid` left in `directory`, oldest first (by their sequence number). */
export function findNearHeapLimitSnapshots(directory: string, pid: number): string[] {
  let names: string[];
  try {
    names = readdirSync(directory);
  } catch {
    return [];
  }
  return names
    .map((name) => ({ name, match: SNAPSHOT_NAME.exec(name) }))
    .filter((entry) => entry.match !== null && Number(entry.match[1]) === pid)
    .sort((a, b) => Number(a.match![3]) - Number(b.match![3]))
    .map((entry) => join(directory, entry.name));
}
