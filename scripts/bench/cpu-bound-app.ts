/**
 * The service under load for the runtime benchmarks: an Express app with a CPU-bound route,
 *   node cpu-bound-app.js none|probe|endpoint|endpoint-http-rules
 * none: the app alone; probe: plus the main-thread probe only; endpoint: plus startMaintenanceServer();
 * endpoint-http-rules: plus two collection rules on the app's HTTP responses that never fire.
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
const listener = app.listen(0, '127.0.0.1', () => {
  const { port } = listener.address() as AddressInfo;
  console.log(JSON.stringify({ app: `http://127.0.0.1:${port}`, ops }));
});
