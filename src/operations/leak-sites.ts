import type { CdpTarget } from '../targets/target.js';
import { OperationAbortedError } from '../errors.js';
import { waitUnlessAborted } from './abortable-delay.js';
import { releaseDeferredSnapshotMemory } from './snapshot-memory-release.js';
import type { SamplingHeapProfileNode } from './heap-profile.js';

export interface AllocationSite {
  /** The innermost frame in the app's own code (builtins and node: internals are looked through). */
  functionName: string;
  url: string;
  /** 1-based line and column of the function. */
  line: number;
  column: number;
  /** Sampled bytes allocated here during the window and still alive after a full GC at its end. */
  bytes: number;
  /** The heaviest call path to the allocation, innermost first, e.g. ["repeat", "(anonymous) app.js:12", "loadCache app.js:40"]. */
  stack: string[];
}

export interface LeakSitesOptions {
  durationMs: number;
  intervalBytes: number;
  signal?: AbortSignal;
  limit: number;
}

/**
 * Where memory is being kept: samples allocations for `durationMs`, runs a full GC so only what is
 * still referenced remains, and ranks the allocating functions by the sampled bytes that survived.
 */
export async function findLeakSites(target: CdpTarget, options: LeakSitesOptions): Promise<AllocationSite[]> {
  await target.send('HeapProfiler.startSampling', { samplingInterval: options.intervalBytes });
  let head: SamplingHeapProfileNode;
  let completed = false;
  try {
    completed = await waitUnlessAborted(options.durationMs, options.signal);
    if (completed) await target.send('HeapProfiler.collectGarbage');
  } finally {
    try {
      head = (await target.send<{ profile: { head: SamplingHeapProfileNode } }>('HeapProfiler.stopSampling')).profile.head;
    } finally {
      await releaseDeferredSnapshotMemory(target);
    }
  }
  if (!completed) throw new OperationAbortedError('Leak site sampling');
  const sites = new Map<string, AllocationSite & { heaviest: number }>();
  const visit = (node: SamplingHeapProfileNode, path: SamplingHeapProfileNode[]): void => {
    const here = [node, ...path];
    if (node.selfSize > 0) {
      const frame = here.find((candidate) => isAppCode(candidate.callFrame.url)) ?? node;
      const { functionName, url, lineNumber, columnNumber } = frame.callFrame;
      const key = `${functionName}\u0000${url}\u0000${lineNumber}\u0000${columnNumber}`;
      const site = sites.get(key) ?? {
        functionName: functionName || '(anonymous)',
        url,
        line: lineNumber + 1,
        column: columnNumber + 1,
        bytes: 0,
        stack: [],
        heaviest: 0,
      };
      site.bytes += node.selfSize;
      if (node.selfSize > site.heaviest) {
        site.heaviest = node.selfSize;
        site.stack = here.slice(0, STACK_DEPTH).filter((n) => n !== head).map(describeFrame);
      }
      sites.set(key, site);
    }
    for (const child of node.children) visit(child, here);
  };
  visit(head, []);
  return [...sites.values()]
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, options.limit)
    .map(({ heaviest: _heaviest, ...site }) => site);
}

const STACK_DEPTH = 8;

function isAppCode(url: string): boolean {
  return url !== '' && !url.startsWith('node:');
}

function describeFrame(node: SamplingHeapProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const name = functionName || '(anonymous)';
  return url === '' ? name : `${name} ${url}:${lineNumber + 1}`;
}
