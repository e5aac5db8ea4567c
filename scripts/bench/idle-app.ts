/**
 * The idle benchmark's app, serving nothing while it is measured:
 *   node --expose-gc idle-app.js plain|express without|worker|router|worker-eval
 * plain: a node:http server with one route, no Express; express: an Express app with one route.
 * without: the app alone; worker: plus startMaintenanceServer() with its defaults; router: the in-app
 * endpoint at /ops, maintenanceRouter() mounted in the Express app, maintenanceRequestHandler() called first
 * by the plain app's listener; worker-eval: worker with `eval` enabled (for the first-request timings). The audit log
 * goes to /dev/null. Prints `{ "app": url, "ops": url|null }` once listening, and answers the IPC message
 * 'heap' with the main thread's heapUsed after a full GC: what the app's own heap holds, free of whatever
 * garbage happened to be waiting for the next collection.
 */
import type { AddressInfo } from 'node:net';

const [kind, mode] = process.argv.slice(2);
if (!['plain', 'express'].includes(kind ?? '') || !['without', 'worker', 'router', 'worker-eval'].includes(mode ?? '')) {
  throw new Error('usage: idle-app.js plain|express without|worker|router|worker-eval');
}
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('idle-app.js needs --expose-gc');

// Each module is imported only by the variants that use it, so that "without" holds exactly the app.
let ops: string | null = null;
if (mode === 'worker' || mode === 'worker-eval') {
  const { startMaintenanceServer } = await import('../../src/index.js');
  ops = (await startMaintenanceServer({ port: 0, auditLog: '/dev/null', ...(mode === 'worker-eval' ? { eval: { enabled: true } } : {}) })).url;
}
const inApp = mode === 'router' ? await import('../../src/index.js') : undefined;
const router = kind === 'express' ? inApp?.maintenanceRouter({ auditLog: '/dev/null' }) : undefined;
const opsHandler = kind === 'plain' ? inApp?.maintenanceRequestHandler({ auditLog: '/dev/null' }) : undefined;

let listener: { address(): AddressInfo | string | null; once(event: 'listening', listener: () => void): unknown };
if (kind === 'express') {
  const express = (await import('express')).default;
  const app = express();
  if (router !== undefined) app.use('/ops', router);
  app.get('/', (_req, res) => {
    res.json({ ok: true });
  });
  listener = app.listen(0, '127.0.0.1');
} else {
  const { createServer } = await import('node:http');
  listener = createServer((req, res) => {
    if (opsHandler?.(req, res)) return;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ ok: true }));
  }).listen(0, '127.0.0.1');
}
listener.once('listening', () => {
  const { port } = listener.address() as AddressInfo;
  if (inApp !== undefined) ops = `http://127.0.0.1:${port}/ops`;
  console.log(JSON.stringify({ app: `http://127.0.0.1:${port}`, ops }));
});
process.on('message', (message) => {
  if (message !== 'heap') return;
  gc();
  process.send!({ heapUsed: process.memoryUsage().heapUsed });
});
