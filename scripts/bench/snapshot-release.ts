import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { script } from './processes.js';
import { MiB } from './units.js';

export const JEMALLOC = '/usr/lib/x86_64-linux-gnu/libjemalloc.so.2';
/** jemalloc as docs/operations.md advised until larger slabs were added. */
export const PREVIOUS_MALLOC_CONF = 'background_thread:true,dirty_decay_ms:1000';
/** jemalloc as docs/operations.md advises (the reasons are there). */
export const ADVISED_MALLOC_CONF = 'background_thread:true,dirty_decay_ms:1000,slab_sizes:512-4096:16';

/** The allocator set-ups compared: glibc as is, glibc tuned by environment, jemalloc as is and as advised. */
export const ALLOCATORS: Array<{ label: string; env: Record<string, string> }> = [
  { label: 'glibc', env: {} },
  { label: 'glibc, MALLOC_ARENA_MAX=2 MALLOC_TRIM_THRESHOLD_=0', env: { MALLOC_ARENA_MAX: '2', MALLOC_TRIM_THRESHOLD_: '0' } },
  { label: 'jemalloc', env: { LD_PRELOAD: JEMALLOC } },
  { label: `jemalloc, MALLOC_CONF=${PREVIOUS_MALLOC_CONF}`, env: { LD_PRELOAD: JEMALLOC, MALLOC_CONF: PREVIOUS_MALLOC_CONF } },
  { label: `jemalloc, MALLOC_CONF=${ADVISED_MALLOC_CONF}`, env: { LD_PRELOAD: JEMALLOC, MALLOC_CONF: ADVISED_MALLOC_CONF } },
];

export interface ReleasePoint {
  allocator: string;
  mode: 'release' | 'keep';
  heapUsed: number;
  rssBefore: number;
  rssAfter: number;
  rssAfter10s: number;
}

async function measure(items: number, mode: 'release' | 'keep', env: Record<string, string>): Promise<Omit<ReleasePoint, 'allocator'>> {
  const child = spawn(process.execPath, ['--expose-gc', script('snapshot-release-app.js'), String(items), mode], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env } });
  let line: string | undefined;
  for await (const text of createInterface({ input: child.stdout })) line ??= text;
  if (line === undefined) throw new Error(`the release measurement (${mode}) printed nothing`);
  return JSON.parse(line) as Omit<ReleasePoint, 'allocator'>;
}

/** RSS held 10 s after a snapshot, without the release (before it existed) and with it, per allocator. */
export async function runReleaseBench(items: number, log: (line: string) => void): Promise<ReleasePoint[]> {
  const points: ReleasePoint[] = [];
  for (const allocator of ALLOCATORS) {
    if (allocator.env.LD_PRELOAD !== undefined && !existsSync(allocator.env.LD_PRELOAD)) {
      log(`  ${allocator.label}: skipped, ${allocator.env.LD_PRELOAD} is not installed (apt-get install libjemalloc2)`);
      continue;
    }
    for (const mode of ['keep', 'release'] as const) {
      const point = { allocator: allocator.label, ...(await measure(items, mode, allocator.env)) };
      points.push(point);
      log(`  ${allocator.label}, ${mode}: heapUsed ${mb(point.heapUsed)}, RSS ${mb(point.rssBefore)} before, ${mb(point.rssAfter)} right after, ${mb(point.rssAfter10s)} 10 s later (+${mb(point.rssAfter10s - point.rssBefore)})`);
    }
  }
  return points;
}

export function releaseTable(points: ReleasePoint[]): string {
  const rows = ['| allocator | after the snapshot | heapUsed | RSS before | RSS right after | RSS 10 s later | held 10 s later |', '| --- | --- | ---: | ---: | ---: | ---: | ---: |'];
  for (const point of points) {
    rows.push(`| ${point.allocator} | ${point.mode === 'release' ? 'ids released' : 'nothing released'} | ${mb(point.heapUsed)} | ${mb(point.rssBefore)} | ${mb(point.rssAfter)} | ${mb(point.rssAfter10s)} | ${mb(point.rssAfter10s - point.rssBefore)} |`);
  }
  return rows.join('\n');
}

function mb(bytes: number): string {
  return `${(bytes / MiB).toFixed(0)} MiB`;
}
