import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { randomBytes } from 'node:crypto';
import { makeTempDir, removeTempDir, startChild, stop } from './processes.js';
import { median } from './statistics.js';
import { MiB } from './units.js';

/** The goal for an idle startMaintenanceServer(), against the same app without it. */
export const IDLE_GOAL = { rssBytes: 25 * MiB, heapBytes: 2 * MiB };

export interface IdleOptions {
  /** Fresh pairs of processes (app without, app with the endpoint), each measured side by side. */
  rounds: number;
  /** Time from "listening" to the first sample: start-up garbage collected, lazy start-up work done. */
  settleMs: number;
  /** Samples per process, one a second; each process's figure is their median. */
  samples: number;
}

export interface IdleFigures {
  /** Medians over the rounds of each process's median sample. */
  without: ProcessMemory;
  with: ProcessMemory;
  /** Each pair's cost (with less without), in the order measured. */
  costs: Array<{ rss: number; heapUsed: number }>;
  options: IdleOptions;
  /** First and second request to the paths that load their code on first use, in milliseconds. */
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
  // RSS first: the heap figure forces a GC in the app, which the next sample's RSS then reflects alike in both apps.
  const rss = readRss(child.pid!);
  return { ...rss, heapUsed: await heapUsed(child) };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function medianOf(samples: ProcessMemory[]): ProcessMemory {
  const of = (key: keyof ProcessMemory) => median(samples.map((s) => s[key]));
  return { rss: of('rss'), rssAnon: of('rssAnon'), rssFile: of('rssFile'), heapUsed: of('heapUsed') };
}

function startApp(mode: 'without' | 'with' | 'with-eval', env: Record<string, string>) {
  return startChild<{ app: string; ops: string | null }>('idle-app.js', [mode], { nodeArgs: ['--expose-gc'], env });
}

/**
 * What an idle startMaintenanceServer() costs: a small Express app with it and the same app without it,
 * started together and left alone, their resident memory and main-thread heap sampled side by side.
 * Then the first requests to the paths whose code loads on first use, against their second.
 */
export async function runIdleBench(options: IdleOptions, log: (line: string) => void): Promise<IdleFigures> {
  const perProcess: { without: ProcessMemory[]; with: ProcessMemory[] } = { without: [], with: [] };
  for (let round = 1; round <= options.rounds; round++) {
    const tempDir = makeTempDir();
    const env = { TMPDIR: tempDir };
    const apps = { without: await startApp('without', env), with: await startApp('with', env) };
    try {
      await sleep(options.settleMs);
      const samples: { without: ProcessMemory[]; with: ProcessMemory[] } = { without: [], with: [] };
      for (let i = 0; i < options.samples; i++) {
        // Alternate which app is read first, so that a sample's own cost falls on both alike.
        const order = i % 2 === 0 ? (['without', 'with'] as const) : (['with', 'without'] as const);
        for (const mode of order) samples[mode].push(await sample(apps[mode].child));
        await sleep(1000);
      }
      for (const mode of ['without', 'with'] as const) perProcess[mode].push(medianOf(samples[mode]));
      const [a, b] = [perProcess.without.at(-1)!, perProcess.with.at(-1)!];
      log(
        `  round ${round}: RSS ${mib(a.rss)} without, ${mib(b.rss)} with (+${mib(b.rss - a.rss)}); ` +
          `main-thread heap ${mib(a.heapUsed)} without, ${mib(b.heapUsed)} with (+${mib(b.heapUsed - a.heapUsed)})`,
      );
    } finally {
      await stop(apps.without.child);
      await stop(apps.with.child);
      removeTempDir(tempDir);
    }
  }
  const costs = perProcess.with.map((b, i) => ({ rss: b.rss - perProcess.without[i]!.rss, heapUsed: b.heapUsed - perProcess.without[i]!.heapUsed }));
  return { without: medianOf(perProcess.without), with: medianOf(perProcess.with), costs, options, firstRequests: await timeFirstRequests(Math.min(options.settleMs, 10_000)) };
}

/** The first /metrics scrape and the first /eval (whose parser, acorn, loads then), each against the second. */
async function timeFirstRequests(settleMs: number): Promise<IdleFigures['firstRequests']> {
  const token = randomBytes(24).toString('base64url');
  const tempDir = makeTempDir();
  const { child, info } = await startApp('with-eval', {
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

/** The section of docs/benchmarks.md and of the console report. */
export function idleSection(figures: IdleFigures, run: { command: string; machine: string; date: string }): string {
  const { without: a, with: b, options } = figures;
  // The cost is the median of the pairs' own differences: a pair shares its moment's machine load.
  const rssCost = median(figures.costs.map((cost) => cost.rss));
  const heapCost = median(figures.costs.map((cost) => cost.heapUsed));
  const byPair = (key: 'rss' | 'heapUsed') => figures.costs.map((cost) => `+${mib(cost[key])}`).join(', ');
  const verdict = (cost: number, goal: number) => `${cost <= goal ? '**met**' : '**missed**'} (goal <= +${mib(goal)})`;
  return [
    `From \`${run.command}\` on ${run.machine}, ${run.date}: a small Express app (one route, no traffic) with \`startMaintenanceServer()\` (default options, audit log to /dev/null) ` +
      `and the same app without it, started side by side as fresh processes (\`node --expose-gc\`), left alone ${options.settleMs / 1000} s, ` +
      `then sampled ${options.samples} times a second apart; each process's figure is the median of its samples, and the table shows the medians over ${options.rounds} such pairs. ` +
      "The main thread's heap is heapUsed right after a full GC (what it holds, not the garbage waiting for the next collection); RSS is read from /proc/PID/status " +
      '(anonymous memory, and file-backed pages, mostly the node binary\'s code and data the endpoint\'s thread touched).',
    '',
    '| | without | with | difference |',
    '| --- | --- | --- | --- |',
    `| RSS | ${mib(a.rss)} | ${mib(b.rss)} | +${mib(b.rss - a.rss)} |`,
    `| of which anonymous | ${mib(a.rssAnon)} | ${mib(b.rssAnon)} | +${mib(b.rssAnon - a.rssAnon)} |`,
    `| of which file-backed | ${mib(a.rssFile)} | ${mib(b.rssFile)} | +${mib(b.rssFile - a.rssFile)} |`,
    `| main-thread heap | ${mib(a.heapUsed)} | ${mib(b.heapUsed)} | +${mib(b.heapUsed - a.heapUsed)} |`,
    '',
    `- Idle RSS cost (median of the pairs' differences): +${mib(rssCost)} (pair by pair: ${byPair('rss')}), ${verdict(rssCost, IDLE_GOAL.rssBytes)}`,
    `- Idle main-thread heap cost: +${mib(heapCost)} (pair by pair: ${byPair('heapUsed')}), ${verdict(heapCost, IDLE_GOAL.heapBytes)}`,
    '',
    'First requests against second ones, in a fresh app with `eval` enabled, left alone 10 s (or the settle time, if shorter): the first `/metrics` runs the first collection, the first `/eval` loads the parser (acorn) too. ' +
      "Each includes a round trip to the app's main thread (the probe's refresh for `/metrics`, the evaluation itself for `/eval`), so on a loaded machine they vary by tens of milliseconds either way.",
    '',
    '| request | first | second |',
    '| --- | --- | --- |',
    ...figures.firstRequests.map((t) => `| ${t.path === '/eval' ? 'POST' : 'GET'} ${t.path} | ${t.firstMs.toFixed(0)} ms | ${t.secondMs.toFixed(0)} ms |`),
  ].join('\n');
}
