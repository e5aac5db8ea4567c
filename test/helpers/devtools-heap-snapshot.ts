import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';

const CHROMIUM = '/usr/bin/chromium';
/** DevTools' own heap snapshot worker, as Chromium bundles it: the code that loads a file into the Memory panel. */
const DEVTOOLS_PAGE = 'devtools://devtools/bundled/devtools_app.html';
const SNAPSHOT_WORKER = 'devtools://devtools/bundled/entrypoints/heap_snapshot_worker/heap_snapshot_worker-entrypoint.js';
const CHUNK_BYTES = 1 << 20;

/** What DevTools made of a snapshot: its node count and its Summary view, one line per class (name, count, shallow and retained size). */
export interface DevToolsHeapSnapshot {
  nodeCount: number;
  summary: string[];
}

/**
 * A real headless Chromium on its bundled DevTools, where `load` puts a snapshot into DevTools' own heap
 * snapshot worker, driven through its dispatcher protocol as the Memory panel does (HeapSnapshotProxy): a
 * loader fed the text in chunks, a second worker for dominators and retained sizes on a MessagePort, then
 * `buildSnapshot`. `load` rejects with DevTools' own error when it cannot load one.
 */
export async function openDevTools(): Promise<{ load(bytes: Buffer): Promise<DevToolsHeapSnapshot>; close(): Promise<void> }> {
  const profileDir = mkdtempSync(join(tmpdir(), 'me-chromium-'));
  const close = async () => {
    await browser?.close();
    rmSync(profileDir, { recursive: true, force: true });
  };
  let browser: Browser | undefined;
  try {
    browser = await puppeteer.launch({
      executablePath: CHROMIUM,
      headless: true,
      userDataDir: profileDir,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    const page = await browser.newPage();
    await page.goto(DEVTOOLS_PAGE, { waitUntil: 'load' });
    return { load: (bytes) => loadOne(page, bytes), close };
  } catch (error) {
    await close();
    throw error;
  }
}

// The page's globals, as seen from callbacks that run in it (this project compiles without the DOM library).
declare const heapWorker: { call(message: object, transfer?: unknown[]): Promise<any>; second: any; main: any };

async function loadOne(page: Page, bytes: Buffer): Promise<DevToolsHeapSnapshot> {
  await page.evaluate(async (url: string) => {
    const start = () =>
      new Promise<any>((resolve, reject) => {
        const worker = new (globalThis as any).Worker(url, { type: 'module' });
        worker.onmessage = (event: any) => event.data === 'workerReady' && resolve(worker);
        worker.onerror = (event: any) => reject(new Error(`the heap snapshot worker did not start: ${event.message}`));
      });
    const [main, second] = await Promise.all([start(), start()]);
    const pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
    let nextCallId = 0;
    main.onmessage = (event: any) => {
      const reply = event.data; // events (progress, status) carry no callId
      const waiter = reply?.callId === undefined ? undefined : pending.get(reply.callId);
      if (!waiter) return;
      pending.delete(reply.callId);
      if (reply.error) waiter.reject(new Error(`DevTools ${reply.errorMethodName ?? ''}: ${reply.error}`));
      else waiter.resolve(reply.result);
    };
    const call = (message: object, transfer: unknown[] = []) =>
      new Promise((resolve, reject) => {
        const callId = nextCallId++;
        pending.set(callId, { resolve, reject });
        main.postMessage({ ...message, callId }, transfer);
      });
    (globalThis as any).heapWorker = { call, main, second };
    await call({ disposition: 'createLoader', objectId: 1 });
  }, SNAPSHOT_WORKER);
  try {
    const decoder = new StringDecoder('utf8'); // a chunk must not end inside a character
    for (let at = 0; at < bytes.length; at += CHUNK_BYTES) {
      const text = decoder.write(bytes.subarray(at, at + CHUNK_BYTES));
      await page.evaluate((chunk: string) => heapWorker.call({ disposition: 'method', objectId: 1, methodName: 'write', methodArguments: [chunk] }), text);
    }
    return await page.evaluate(async () => {
      await heapWorker.call({ disposition: 'method', objectId: 1, methodName: 'close', methodArguments: [] });
      const channel = new MessageChannel();
      heapWorker.second.postMessage({ disposition: 'setupForSecondaryInit', objectId: 1 }, [channel.port1]);
      await heapWorker.call({ disposition: 'factory', objectId: 1, methodName: 'buildSnapshot', methodArguments: [], newObjectId: 2 }, [channel.port2]);
      const nodeCount = (await heapWorker.call({ disposition: 'getter', objectId: 2, methodName: 'nodeCount' })) as number;
      const aggregates = (await heapWorker.call({ disposition: 'method', objectId: 2, methodName: 'aggregatesWithFilter', methodArguments: [{}] })) as Record<
        string,
        { name: string; count: number; self: number; maxRet: number }
      >;
      const summary = Object.values(aggregates).map((group) => `${group.name} ${group.count} ${group.self} ${group.maxRet}`);
      return { nodeCount, summary: summary.sort() };
    });
  } finally {
    await page.evaluate(() => {
      heapWorker.main.terminate();
      heapWorker.second.terminate();
    });
  }
}
