/**
 * The service under load for the runtime benchmarks: an Express app with a CPU-bound route,
 *   node cpu-bound-app.js none|probe|endpoint|endpoint-http-rules|endpoint-recorder
 * none: the app alone; probe: plus the main-thread probe only; endpoint: plus startMaintenanceServer();
 * endpoint-http-rules: plus two collection rules on the app's HTTP responses that never fire;
 * endpoint-recorder: plus the recorder, spilling into the store named by RECORDER_STORE.
 * BALLAST_MB keeps that much of small objects alive, so that a full GC has a heap to mark.
 * Prints `{ "app": url, "ops": url|null }` once listening. Tokens come from MAINTENANCE_ENDPOINT_TOKENS.
 */
import express from 'express';
import type { AddressInfo } from 'node:net';
import { startMaintenanceServer } from '../../src/index.js';
import { acquireMainThreadProbe } from '../../src/probe/main-thread-probe.js';

/** About a millisecond of pure CPU, like a request that renders or parses. */
function render(seed: number): number {
  let x = seed;
  for (let i = 0; i < 150_000; i++) x = (x * 1103515245 + 12345) % 2147483648;
  return x;
}

function busyLoop(ms: number): void {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    // a stuck event loop
  }
}

const mode = process.argv[2];
const app = express();
app.get('/work', (req, res) => {
  res.json({ value: render(Number(req.query.seed ?? 1)) });
});
// Next to nothing per request: the worst case for a cost added to every request.
app.get('/hello', (_req, res) => {
  res.end('hello');
});
// A page rendered from data: small objects made and serialized, the allocation pattern of most handlers.
app.get('/render', (req, res) => {
  const seed = Number(req.query.seed ?? 1);
  res.json(Array.from({ length: 100 }, (_, i) => ({ id: seed + i, name: `item ${i}`, tags: ['a', 'b'], price: i * 1.5 })));
});
const ballast = Array.from({ length: Number(process.env.BALLAST_MB ?? 0) * 10_000 }, (_, i) => ({ i, label: `ballast ${i}` }));
(globalThis as { ballast?: unknown }).ballast = ballast;
app.get('/block', (req, res) => {
  busyLoop(Number(req.query.ms ?? 1000));
  res.end('unblocked');
});

let ops: string | null = null;
if (mode === 'probe') acquireMainThreadProbe();
const endpointOptions = { port: 0, auditLog: '/dev/null', rateLimit: { all: { limit: 100_000 }, heavy: { limit: 1000 } } };
if (mode === 'endpoint') ops = (await startMaintenanceServer(endpointOptions)).url;
if (mode === 'endpoint-http-rules') {
  const rules = [
    { name: 'slow', when: { httpSlowerThanMs: 60_000, count: 1000, withinSeconds: 60 }, do: ['stack' as const] },
    { name: 'errors', when: { httpStatus: '500-599', count: 1000, withinSeconds: 60 }, do: ['report' as const] },
  ];
  ops = (await startMaintenanceServer({ ...endpointOptions, rules })).url;
}
if (mode === 'endpoint-recorder') ops = (await startMaintenanceServer({ ...endpointOptions, storeDir: process.env.RECORDER_STORE!, recorder: { enabled: true } })).url;
const listener = app.listen(0, '127.0.0.1', () => {
  const { port } = listener.address() as AddressInfo;
  console.log(JSON.stringify({ app: `http://127.0.0.1:${port}`, ops }));
});
