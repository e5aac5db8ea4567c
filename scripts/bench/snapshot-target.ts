/**
 * The process whose heap is snapshotted, started fresh for every run of every scenario:
 *   node --expose-gc [--inspect=127.0.0.1:0] snapshot-target.js floor|worker|router|remote|classic ITEMS
 *
 * Each one builds the same heap (buildSmallObjectHeap(ITEMS)), loads the same modules, then offers one
 * way of taking a snapshot of it:
 *   floor    V8 alone: v8.writeHeapSnapshot('/dev/null'), timed around the call, on the IPC message
 *            'floor' (answered with { seconds })
 *   worker   startMaintenanceServer(): GET {url}/heapsnapshot
 *   router   maintenanceRouter() mounted at /ops in an Express app: GET {url}/heapsnapshot
 *   remote   nothing but its inspector (--inspect), for a sidecar to serve
 *   classic  the usual hand-written route: writeHeapSnapshot(tmpfile), readFile(tmpfile, 'utf-8'),
 *            res.end(data), unlink
 * and prints `{ "url": string | null, "inspector": ws-url | null, "heapUsed": bytes }` on stdout once
 * it is ready and settled by a full GC. Tokens come from MAINTENANCE_ENDPOINT_TOKENS; temp files go to
 * os.tmpdir(), which the bench points at a private directory of its own (TMPDIR).
 */
import express from 'express';
import inspector from 'node:inspector';
import { readFile, unlink } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeHeapSnapshot } from 'node:v8';
import { maintenanceRouter, startMaintenanceServer } from '../../src/index.js';
import { buildSmallObjectHeap } from './small-object-heap.js';

const [mode, items] = process.argv.slice(2);
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with --expose-gc');

// Generous limits: the bench asks for one snapshot, and must never be answered 429.
const endpointOptions = { rateLimit: { heavy: { limit: 1000 } }, auditLog: '/dev/null' };

function listen(app: express.Express): Promise<string> {
  return new Promise((resolve, reject) => {
    const server = app.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`));
    server.once('error', reject);
  });
}

/** The recipe this project replaces, written the way it usually is. */
function classicApp(): express.Express {
  const app = express();
  app.get('/ops/heapsnapshot', async (_req, res) => {
    const file = join(tmpdir(), `classic-${process.pid}.heapsnapshot`);
    try {
      writeHeapSnapshot(file);
      const data = await readFile(file, 'utf-8');
      res.end(data);
    } catch (error) {
      // What the client is told when the recipe breaks (a snapshot too big for one string, say).
      const { code, name, message } = error as NodeJS.ErrnoException;
      res.status(500).end(`${code ?? name}: ${message}`);
    } finally {
      await unlink(file).catch(() => {});
    }
  });
  return app;
}

function answerFloorRequests(): void {
  process.on('message', (message) => {
    if (message !== 'floor') return;
    const started = performance.now();
    writeHeapSnapshot('/dev/null');
    process.send?.({ seconds: (performance.now() - started) / 1000 });
  });
}

async function serve(): Promise<string | null> {
  switch (mode) {
    case 'floor':
      answerFloorRequests();
      return null;
    case 'worker':
      return (await startMaintenanceServer({ port: 0, host: '127.0.0.1', ...endpointOptions })).url;
    case 'router': {
      const app = express();
      app.use('/ops', maintenanceRouter(endpointOptions));
      return `${await listen(app)}/ops`;
    }
    case 'classic':
      return `${await listen(classicApp())}/ops`;
    case 'remote':
      return null;
    default:
      throw new Error(`unknown mode ${mode}`);
  }
}

buildSmallObjectHeap(Number(items));
const url = await serve();
gc();
// The endpoint's worker does not keep a process alive, and the floor has no server at all.
setInterval(() => {}, 1 << 30);
console.log(JSON.stringify({ url, inspector: inspector.url() ?? null, heapUsed: process.memoryUsage().heapUsed }));
