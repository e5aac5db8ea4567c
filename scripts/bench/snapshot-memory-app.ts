/**
 * One calibration measurement, in a fresh process: builds a heap of one shape, estimates its snapshot's
 * peak from the same figures the endpoint reads, then takes a real snapshot and reports the peak extra
 * RSS (VmHWM reset through /proc/self/clear_refs just before). Prints one JSON line.
 *
 *   node snapshot-memory-app.js SHAPE MIB write|events
 *
 * write: v8.writeHeapSnapshot to /dev/null (what worker and router mode have V8 do); events: the
 * protocol's chunk events to a session from another thread (what a sidecar gets).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { getHeapSpaceStatistics, getHeapStatistics, writeHeapSnapshot } from 'node:v8';
import { Worker } from 'node:worker_threads';
import { estimateInputsFromFigures, estimateSnapshotPeak } from '../../src/operations/snapshot-memory-estimate.js';
import { buildHeapShape, type HeapShape } from './heap-shapes.js';

const [shape, mib, method] = process.argv.slice(2) as [HeapShape, string, 'write' | 'events'];

function status(field: string): number {
  return Number(new RegExp(`^${field}:\\s*(\\d+) kB$`, 'm').exec(readFileSync('/proc/self/status', 'utf8'))?.[1]) * 1024;
}

async function snapshotByEvents(): Promise<void> {
  const worker = new Worker(
    `const { Session } = require('node:inspector'); const { parentPort } = require('node:worker_threads');
     const session = new Session(); session.connectToMainThread();
     session.on('HeapProfiler.addHeapSnapshotChunk', () => {});
     const alive = setInterval(() => {}, 1000); // a pending session reply does not keep a thread alive
     session.post('HeapProfiler.takeHeapSnapshot', {}, (error) => { clearInterval(alive); session.disconnect(); parentPort.postMessage(error ? error.message : 'ok'); });`,
    { eval: true },
  );
  const result = await new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the snapshot thread exited (${code})`)));
  });
  await worker.terminate();
  if (result !== 'ok') throw new Error(String(result));
}

buildHeapShape(shape, Number(mib));
(globalThis as { gc?: () => void }).gc?.();
const inputs = estimateInputsFromFigures({ heap: getHeapStatistics(), spaces: getHeapSpaceStatistics() });
const estimate = estimateSnapshotPeak(inputs);
const heapUsed = getHeapStatistics().used_heap_size;
const rssBefore = status('VmRSS');
writeFileSync('/proc/self/clear_refs', '5');
const started = Date.now();
if (method === 'write') {
  writeHeapSnapshot('/dev/null');
  // V8 keeps the object ids it assigned until a session disables the heap profiler.
  const session = new Session();
  session.connect();
  session.disconnect();
} else {
  await snapshotByEvents();
}
const seconds = (Date.now() - started) / 1000;
const peak = status('VmHWM');
console.log(JSON.stringify({ shape, mib: Number(mib), method, heapUsed, inputs, estimateBytes: estimate.peakExtraBytes, peakExtraBytes: peak - rssBefore, rssBefore, seconds }));
