/**
 * The idle benchmark's app: a small Express app that serves nothing while it is measured,
 *   node --expose-gc idle-app.js without|with|with-eval
 * without: the app alone; with: plus startMaintenanceServer() with its defaults (the audit log to
 * /dev/null); with-eval: plus `eval` enabled (for the first-request timings). Prints `{ "app": url, "ops": url|null }` once listening, and
 * answers the IPC message 'heap' with the main thread's heapUsed after a full GC: what the app's own
 * heap holds, free of whatever garbage happened to be waiting for the next collection.
 */
import express from 'express';
import type { AddressInfo } from 'node:net';
import { startMaintenanceServer } from '../../src/index.js';

const mode = process.argv[2];
if (!['without', 'with', 'with-eval'].includes(mode ?? '')) throw new Error('usage: idle-app.js without|with|with-eval');
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('idle-app.js needs --expose-gc');

const app = express();
app.get('/', (_req, res) => {
  res.json({ ok: true });
});

let ops: string | null = null;
if (mode !== 'without') ops = (await startMaintenanceServer({ port: 0, auditLog: '/dev/null', ...(mode === 'with-eval' ? { eval: { enabled: true } } : {}) })).url;
const listener = app.listen(0, '127.0.0.1', () => {
  const { port } = listener.address() as AddressInfo;
  console.log(JSON.stringify({ app: `http://127.0.0.1:${port}`, ops }));
});
process.on('message', (message) => {
  if (message !== 'heap') return;
  gc();
  process.send!({ heapUsed: process.memoryUsage().heapUsed });
});
