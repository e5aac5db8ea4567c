import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { randomBytes } from 'node:crypto';
import { makeTempDir, removeTempDir, startChild, stop, TOKEN } from './processes.js';
import type { NodeLine } from './node-lines.js';
import { median } from './statistics.js';
import { MiB } from './units.js';

/** The goal for an idle endpoint, in either mode, against the same app without it. */
export const IDLE_GOAL = { rssBytes: 25 * MiB, heapBytes: 2 * MiB };

export const APP_KINDS = ['plain', 'express'] as const;
export const ENDPOINT_MODES = ['worker', 'router'] as const;
export type AppKind = (typeof APP_KINDS)[number];
export type EndpointMode = (typeof ENDPOINT_MODES)[number];

export interface IdleOptions {
  /** The Node lines to measure, each with its own processes. */
  lines: NodeLine[];
  /** Fresh sets of processes (the app without, with the worker, with the router), each measured side by side. */
  rounds: number;
  /** Time from "listening" to the first sample: start-up garbage collected, lazy start-up work done. */
  settleMs: number;
  /** Samples per process, one a second; each process's figure is their median. */
  samples: number;
}

/** One Node line, one kind of app, one mode of the endpoint. */
export interface IdleCase {
  line: NodeLine;
  kind: AppKind;
  mode: EndpointMode;
  /** Medians over the rounds of each process's median sample. */
  without: ProcessMemory;
  with: ProcessMemory;
  /** Each round's cost (with less without), in the order measured. */
  costs: ProcessMemory[];
  /** The same, once one request has been answered (the endpoint builds its HTTP stack on the first one) and the apps settled again. */
  costsAfterRequest: ProcessMemory[];
}

export interface IdleFigures {
  cases: IdleCase[];
  options: IdleOptions;
  /** First and second request to the paths that load their code on first use, in milliseconds (the bench's own line). */
  firstRequests: Array<{ path: string; firstMs: number; secondMs: number }>;
}

export interface ProcessMemory {
  rss: number;
  rssAnon: number;
  rssFile: number;
  /** Main thread heapUsed after a full GC. */
  heapUsed: number;
}

function readRss(pid: number): Omit<ProcessMemory, 'heapUsed'> {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string) => Number(new RegExp(`^${name}:\\s*(\\d+) kB$`, 'm').exec(status)?.[1] ?? Number.NaN) * 1024;
  return { rss: field('VmRSS'), rssAnon: field('RssAnon'), rssFile: field('RssFile') };
}

function heapUsed(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: { heapUsed?: number }) => {
      if (typeof message?.heapUsed !== 'number') return;
      child.off('message', onMessage);
      resolve(message.heapUsed);
    };
    child.on('message', onMessage);
    child.send('heap', (error) => error && reject(error));
  });
}

async function sample(child: ChildProcess): Promise<ProcessMemory> {
  // RSS first: the heap figure forces a GC in the app, which the next sample's RSS then reflects alike in every app.
  const rss = readRss(child.pid!);
  return { ...rss, heapUsed: await heapUsed(child) };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function medianOf(samples: ProcessMemory[]): ProcessMemory {
  const of = (key: keyof ProcessMemory) => median(samples.map((s) => s[key]));
  return { rss: of('rss'), rssAnon: of('rssAnon'), rssFile: of('rssFile'), heapUsed: of('heapUsed') };
}

function difference(b: ProcessMemory, a: ProcessMemory): ProcessMemory {
  return { rss: b.rss - a.rss, rssAnon: b.rssAnon - a.rssAnon, rssFile: b.rssFile - a.rssFile, heapUsed: b.heapUsed - a.heapUsed };
}

type Variant = 'without' | EndpointMode | 'worker-eval';

function startApp(line: NodeLine, kind: AppKind, variant: Variant, env: Record<string, string>) {
  return startChild<{ app: string; ops: string | null }>('idle-app.js', [kind, variant], { nodeArgs: ['--expose-gc'], env, node: line.node });
}

/**
 * What an idle endpoint costs: per Node line and kind of app (a plain node:http script, an Express app),
 * the app alone, with startMaintenanceServer() and with the in-app endpoint (maintenanceRouter(), or
 * maintenanceRequestHandler() in the plain app), started together and left
 * alone, their resident memory and main-thread heap sampled side by side. Then, on the bench's own line, the
 * first requests to the paths whose code loads on first use, against their second.
 */
export async function runIdleBench(options: IdleOptions, log: (line: string) => void): Promise<IdleFigures> {
  const cases: IdleCase[] = [];
  for (const line of options.lines) {
    for (const kind of APP_KINDS) {
      const perProcess: Record<Variant, ProcessMemory[]> = { without: [], worker: [], router: [], 'worker-eval': [] };
      const afterRequest: Record<Variant, ProcessMemory[]> = { without: [], worker: [], router: [], 'worker-eval': [] };
      for (let round = 1; round <= options.rounds; round++) {
        const tempDir = makeTempDir();
        const env = { TMPDIR: tempDir };
        const variants = ['without', ...ENDPOINT_MODES] as const;
        const apps = new Map<Variant, { child: ChildProcess; info: { app: string; ops: string | null } }>();
        const sampleAll = async (into: Record<Variant, ProcessMemory[]>) => {
          const samples: Record<Variant, ProcessMemory[]> = { without: [], worker: [], router: [], 'worker-eval': [] };
          for (let i = 0; i < options.samples; i++) {
            // Rotate which app is read first, so that a sample's own cost falls on all alike.
            for (let j = 0; j < variants.length; j++) {
              const variant = variants[(i + j) % variants.length]!;
              samples[variant].push(await sample(apps.get(variant)!.child));
            }
            await sleep(1000);
          }
          for (const variant of variants) into[variant].push(medianOf(samples[variant]));
        };
        try {
          for (const variant of variants) apps.set(variant, await startApp(line, kind, variant, env));
          await sleep(options.settleMs);
          await sampleAll(perProcess);
          // One request each (the app alone gets one to its own route), then the same settling and sampling.
          for (const variant of variants) {
            const { app, ops } = apps.get(variant)!.info;
            await timed(ops === null ? app : `${ops}/`, TOKEN, undefined);
          }
          await sleep(options.settleMs);
          await sampleAll(afterRequest);
          const base = perProcess.without.at(-1)!;
          log(
            `  ${line.version} ${kind} round ${round}: without RSS ${mib(base.rss)}, heap ${mib(base.heapUsed)}; ` +
              ENDPOINT_MODES.map((mode) => {
                const cost = difference(perProcess[mode].at(-1)!, base);
                const after = difference(afterRequest[mode].at(-1)!, afterRequest.without.at(-1)!);
                return `${mode} ${signed(cost.rss)} RSS (anon ${signed(cost.rssAnon)}, file ${signed(cost.rssFile)}), ${signed(cost.heapUsed)} heap; after a request ${signed(after.rss)} RSS, ${signed(after.heapUsed)} heap`;
              }).join('; '),
          );
        } finally {
          for (const { child } of apps.values()) await stop(child);
          removeTempDir(tempDir);
        }
      }
      for (const mode of ENDPOINT_MODES) {
        const costs = perProcess[mode].map((b, i) => difference(b, perProcess.without[i]!));
        const costsAfterRequest = afterRequest[mode].map((b, i) => difference(b, afterRequest.without[i]!));
        cases.push({ line, kind, mode, without: medianOf(perProcess.without), with: medianOf(perProcess[mode]), costs, costsAfterRequest });
      }
    }
  }
  const own = options.lines.find((line) => line.node === process.execPath) ?? options.lines.at(-1)!;
  return { cases, options, firstRequests: await timeFirstRequests(own, Math.min(options.settleMs, 10_000)) };
}

/** The first /metrics scrape and the first /eval (whose parser, acorn, loads then), each against the second. */
async function timeFirstRequests(line: NodeLine, settleMs: number): Promise<IdleFigures['firstRequests']> {
  const token = randomBytes(24).toString('base64url');
  const tempDir = makeTempDir();
  const { child, info } = await startApp(line, 'express', 'worker-eval', {
    TMPDIR: tempDir,
    MAINTENANCE_ENDPOINT_TOKENS: JSON.stringify([{ id: 'bench', token, scopes: ['read', 'eval'] }]),
  });
  try {
    await sleep(settleMs);
    const timings: IdleFigures['firstRequests'] = [];
    for (const [path, body] of [['/metrics', undefined], ['/eval', JSON.stringify({ expression: '[1, 2, 3].map((n) => n * 2)' })]] as const) {
      const first = await timed(`${info.ops}${path}`, token, body);
      const second = await timed(`${info.ops}${path}`, token, body);
      timings.push({ path, firstMs: first, secondMs: second });
    }
    return timings;
  } finally {
    await stop(child);
    removeTempDir(tempDir);
  }
}

function timed(url: string, token: string, body: string | undefined): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) };
    const req = request(url, { method: body === undefined ? 'GET' : 'POST', headers }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve(performance.now() - started) : reject(new Error(`${url} answered ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end(body);
  });
}

function mib(bytes: number): string {
  return `${(bytes / MiB).toFixed(1)} MiB`;
}

function signed(bytes: number): string {
  return `${bytes < 0 ? '-' : '+'}${mib(Math.abs(bytes))}`;
}

/** The cases whose median cost over the rounds (figure by figure: a round shares its moment's machine load) missed the goal. */
export function idleMisses(figures: IdleFigures): IdleCase[] {
  return figures.cases.filter((c) => {
    const cost = medianOf(c.costs);
    return cost.rss > IDLE_GOAL.rssBytes || cost.heapUsed > IDLE_GOAL.heapBytes;
  });
}

/** The section of docs/benchmarks.md and of the console report. */
export function idleSection(figures: IdleFigures, run: { command: string; machine: string; date: string }): string {
  const { options } = figures;
  const rows = figures.cases.map((c) => {
    const cost = medianOf(c.costs);
    const after = medianOf(c.costsAfterRequest);
    const met = cost.rss <= IDLE_GOAL.rssBytes && cost.heapUsed <= IDLE_GOAL.heapBytes;
    return (
      `| ${c.line.version} | ${c.kind} | ${c.mode} | ${mib(c.without.rss)} | ${signed(cost.rss)} (${c.costs.map((x) => signed(x.rss)).join(', ')}) | ` +
      `${signed(cost.rssAnon)} | ${signed(cost.rssFile)} | ${mib(c.without.heapUsed)} | ${signed(cost.heapUsed)} | ${met ? 'met' : '**missed**'} | ` +
      `${signed(after.rss)} | ${signed(after.heapUsed)} |`
    );
  });
  const misses = idleMisses(figures);
  return [
    `From \`${run.command}\` on ${run.machine}, ${run.date}: on each Node line present (${options.lines.map((line) => line.version).join(', ')}), ` +
      'two kinds of app, each serving one route and no traffic: **plain**, a node:http server, and **express**, an Express app. ' +
      'Each is started three ways side by side as fresh processes (`node --expose-gc`): alone, with `startMaintenanceServer()` (**worker**), ' +
      'and with the in-app endpoint at `/ops` (**router**: `maintenanceRouter()` mounted in the Express app; the plain app\'s listener hands each request to `maintenanceRequestHandler()` first, which takes those under `/ops`), ' +
      `default options, audit log to /dev/null. They are left alone ${options.settleMs / 1000} s, then sampled ${options.samples} times a second apart; ` +
      `each process's figure is the median of its samples, a round's cost is its process less the app alone, and the table shows the median over ${options.rounds} rounds ` +
      '(RSS round by round in brackets). The main thread\'s heap is heapUsed right after a full GC (what it holds, not the garbage waiting for the next collection); ' +
      "RSS is read from /proc/PID/status: anonymous memory, and file-backed pages (mostly the node binary's code and data that the endpoint touched). " +
      `The goal: at most +${mib(IDLE_GOAL.rssBytes)} of RSS and +${mib(IDLE_GOAL.heapBytes)} of main-thread heap. ` +
      'The endpoint builds its HTTP stack (Express, the routes, helmet, the rate limiter) on its first request, so the last two columns show the same processes ' +
      `once each has answered one request (\`GET /ops/\` with a token; the app alone, its own route), left alone ${options.settleMs / 1000} s again and sampled the same way.`,
    '',
    '| Node | app | mode | RSS alone | RSS cost | anonymous | file-backed | heap alone | heap cost | goal | RSS cost after a request | heap cost after a request |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
    '',
    misses.length === 0
      ? `Every line, app and mode **met** the goal.`
      : `**Missed** by: ${misses.map((c) => `${c.line.version} ${c.kind} ${c.mode}`).join(', ')}.`,
    '',
    `First requests against second ones, on ${figures.firstRequests.length === 0 ? '-' : (options.lines.find((line) => line.node === process.execPath) ?? options.lines.at(-1)!).version}, ` +
      'in a fresh Express app with `startMaintenanceServer()` and `eval` enabled, left alone 10 s (or the settle time, if shorter): the first `/metrics` runs the first collection, the first `/eval` loads the parser (acorn) too. ' +
      "Each includes a round trip to the app's main thread (the probe's refresh for `/metrics`, the evaluation itself for `/eval`), so on a loaded machine they vary by tens of milliseconds either way.",
    '',
    '| request | first | second |',
    '| --- | --- | --- |',
    ...figures.firstRequests.map((t) => `| ${t.path === '/eval' ? 'POST' : 'GET'} ${t.path} | ${t.firstMs.toFixed(0)} ms | ${t.secondMs.toFixed(0)} ms |`),
  ].join('\n');
}
