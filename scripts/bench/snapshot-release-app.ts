/**
 * One measurement of the memory a process keeps after a heap snapshot: builds a heap of small objects,
 * has a worker take a snapshot of the main thread the way worker mode does (v8.writeHeapSnapshot into
 * a pipe), with or without the release, then reports RSS before, and 10 s after. Prints one JSON line.
 *
 *   node snapshot-release-app.js ITEMS release|keep
 */
import { readFileSync } from 'node:fs';
import { getHeapStatistics } from 'node:v8';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { takeHeapSnapshot } from '../../src/operations/heap-snapshot.js';
import { InspectorSessionTarget } from '../../src/targets/inspector-session-target.js';
import { buildSmallObjectHeap } from './small-object-heap.js';

const rss = () => Number(/^VmRSS:\s*(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1]) * 1024;

if (isMainThread) {
  const [items, mode] = process.argv.slice(2) as [string, 'release' | 'keep'];
  buildSmallObjectHeap(Number(items));
  (globalThis as { gc?: () => void }).gc?.();
  const heapUsed = getHeapStatistics().used_heap_size;
  const rssBefore = rss();
  const worker = new Worker(new URL(import.meta.url), { workerData: { releaseMemory: mode === 'release' } });
  await new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  const rssAfter = rss();
  await new Promise((resolve) => setTimeout(resolve, 10_000));
  const rssAfter10s = rss();
  // Only now: a session that disconnects clears V8's object ids too, which would hide what 'keep' keeps
  // (the endpoint's session lives as long as the endpoint).
  await worker.terminate();
  console.log(JSON.stringify({ mode, heapUsed, rssBefore, rssAfter, rssAfter10s }));
} else {
  const target = InspectorSessionTarget.mainThread();
  // A pending inspector reply does not keep a thread alive (the worker could exit while it waits for
  // the release's HeapProfiler.disable), and the session must stay connected, as the endpoint's does,
  // until the main thread has measured and terminates the worker.
  setInterval(() => {}, 1000);
  await takeHeapSnapshot(target, () => {}, { releaseMemory: (workerData as { releaseMemory: boolean }).releaseMemory });
  parentPort!.postMessage('done');
}
