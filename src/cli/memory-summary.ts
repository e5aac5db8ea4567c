/** The answer of `GET /memory`, as much of it as the summary reads (`--json` prints all of it). */
export interface MemoryAnswer {
  source: string;
  ageSeconds: number;
  mainThreadResponsive?: boolean;
  unavailable?: { reason: string };
  heapUsed: number;
  heapTotal: number;
  heapLimit: number;
  rss: number;
  external: number;
  arrayBuffers: number;
  mallocedMemory: number;
  nativeContexts: number;
  detachedContexts: number;
  gc: Record<string, { count: number; seconds: number }> | null;
  eventLoop: { delaySeconds: Record<string, number>; utilization: number } | null;
}

/** Every size in one unit, so lines compare at a glance. */
function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

function ms(seconds: number | undefined): string {
  return seconds === undefined ? '-' : `${(seconds * 1000).toFixed(1)} ms`;
}

function percent(ratio: number): string {
  return `${(ratio * 100).toFixed(1)}%`;
}

/**
 * `GET /memory` for a person: about ten lines, sizes in MiB, times in ms or s, each line one question
 * (how full is the heap, how big is the process, is the GC busy, is the loop late). `--json` gives
 * every figure, heap spaces included.
 */
export function describeMemory(m: MemoryAnswer): string {
  const rows: Array<[string, string]> = [
    ['heap', `${mib(m.heapUsed)} used of ${mib(m.heapLimit)} limit (${percent(m.heapUsed / m.heapLimit)}); ${mib(m.heapTotal)} reserved`],
    ['rss', mib(m.rss)],
    ['off heap', `${mib(m.external)} external (of which ${mib(m.arrayBuffers)} array buffers), ${mib(m.mallocedMemory)} malloc`],
    ['contexts', `${m.nativeContexts} native, ${m.detachedContexts} detached${m.detachedContexts > 0 ? ' (a detached context is a leak suspect)' : ''}`],
  ];
  if (m.gc !== null) {
    const kinds = Object.entries(m.gc).filter(([, total]) => total.count > 0);
    rows.push(['gc', kinds.length === 0 ? 'none yet' : kinds.map(([kind, total]) => `${kind} ${total.count} (${total.seconds.toFixed(2)} s)`).join(', ')]);
  }
  if (m.eventLoop !== null) {
    const delay = m.eventLoop.delaySeconds;
    rows.push(['event loop', `delay p50 ${ms(delay.p50)}, p99 ${ms(delay.p99)}, max ${ms(delay.max)}; busy ${percent(m.eventLoop.utilization)}`]);
  }
  if (m.mainThreadResponsive !== undefined) {
    rows.push(['main thread', `${m.mainThreadResponsive ? 'responsive' : 'NOT RESPONDING'} (figures ${m.ageSeconds.toFixed(1)} s old)`]);
  }
  rows.push(['source', m.unavailable === undefined ? m.source : `${m.source}: ${m.unavailable.reason}`]);
  const width = Math.max(...rows.map(([name]) => name.length));
  return [...rows.map(([name, text]) => `${name.padEnd(width)}  ${text}`), '', '--json prints every figure (heap spaces, delay percentiles).'].join('\n');
}
