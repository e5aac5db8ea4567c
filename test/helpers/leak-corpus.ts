import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { newToken, stopChild } from './fixture.js';
import { request, sleep } from './http.js';

/** One process of the corpus: a workload of test/fixtures/leak-corpus-app.ts and what the truth is. */
export interface CorpusMember {
  name: string;
  workload: string;
  /** Retained bytes per second it keeps for good (0: steady). */
  leakBytesPerSecond: number;
  nodeArgs?: string[];
  /**
   * The endpoint's own requests made beside the verdicts (`/memory/leaks?QUERY`): each at its second from
   * the start, or that long after the first `leak` verdict. Their answers are verdicts too.
   */
  requests?: Array<{ query: string; atSeconds?: number; afterLeakSeconds?: number }>;
  /** Also read the verdict's gauge from /metrics at every poll (samples with query `metrics`). */
  watchMetric?: boolean;
}

/**
 * Where-requests in the middle of a slow leak, before its verdict turns and after: the sampling's forced
 * full GC (`seconds=5`) and the two counts of `types=count`, each several full GCs, add floors seconds
 * apart among V8's own.
 */
const WHERE_REQUESTS: NonNullable<CorpusMember['requests']> = [
  { query: 'seconds=5', atSeconds: 40 },
  { query: 'seconds=5&types=count', atSeconds: 75 },
  { query: 'seconds=5', afterLeakSeconds: 1 },
  { query: 'seconds=5&types=count', afterLeakSeconds: 8 },
];

/** Leaks slower than the corpus's fast ones, each with where-requests: when the verdict turns, and what it says before. */
export const SLOW_LEAKS: CorpusMember[] = [50, 100, 170, 500].map((kbps) => ({
  name: `leak ${kbps} KB/s with where-requests`,
  workload: `leak:${kbps}`,
  leakBytesPerSecond: kbps * 1000,
  requests: WHERE_REQUESTS,
  watchMetric: true,
}));

/** The verdict `maintenance_endpoint_leak_suspected` stands for. */
const GAUGE_VERDICTS = new Map([
  [1, 'leak'],
  [0, 'no-leak'],
  [-1, 'insufficient-data'],
]);

/** The corpus the verdict is calibrated on: steady processes of several shapes, and leaks of several rates. */
export const LEAK_CORPUS: CorpusMember[] = [
  { name: 'churn 400 KB/s', workload: 'churn:400', leakBytesPerSecond: 0 },
  { name: 'churn 2 MB/s', workload: 'churn:2000', leakBytesPerSecond: 0 },
  { name: 'churn 8 MB/s', workload: 'churn:8000', leakBytesPerSecond: 0 },
  { name: 'LRU cache of 20k entries (22 MB), full after 20 s', workload: 'lru:20000', leakBytesPerSecond: 0 },
  { name: 'bursty traffic', workload: 'bursty', leakBytesPerSecond: 0 },
  { name: '120 MB live set under a 200 MB heap limit', workload: 'steady-large', leakBytesPerSecond: 0, nodeArgs: ['--max-old-space-size=200'] },
  { name: 'leak 100 KB/s', workload: 'leak:100', leakBytesPerSecond: 100_000 },
  { name: 'leak 1 MB/s', workload: 'leak:1000', leakBytesPerSecond: 1_000_000 },
  { name: 'leak 3 MB/s', workload: 'leak:3000', leakBytesPerSecond: 3_000_000 },
  { name: 'leak 1 MB/s under a 200 MB heap limit', workload: 'leak:1000', leakBytesPerSecond: 1_000_000, nodeArgs: ['--max-old-space-size=200'] },
];

export interface VerdictSample {
  /** When the request was sent, in seconds from the workload's start. */
  seconds: number;
  /** When its answer came: a where-request's verdict is judged at its end, after answers to requests sent later. */
  answeredSeconds: number;
  /** The where-request that answered this verdict (`seconds=5`...), `metrics` for the gauge, or null for a plain `/memory/leaks`. */
  query: string | null;
  verdict: string;
  reason: string;
  leakSuspected: boolean;
  growthBytesPerSecond: number | null;
  majorGcCount: number | null;
  /** The pauses of the two full GCs the endpoint forced for this verdict, when it did (ms). */
  automaticPauseMs: [number, number] | null;
}

export interface MemberResult {
  member: CorpusMember;
  /** Seconds from the process's start to the answer of its first `leak` verdict; null if none came. */
  firstLeakSeconds: number | null;
  /** Seconds from start to the first answer other than insufficient-data (when it came). */
  firstDecisionSeconds: number | null;
  /** The member's requests that did not answer 200, with their status: they must all be answered. */
  failedRequests: string[];
  samples: VerdictSample[];
  /** Seconds the process was watched. */
  watchedSeconds: number;
  /** Why it ended before its time, if it did (a crash is a result too). */
  ended: string | null;
}

export interface CorpusOptions {
  members?: CorpusMember[];
  /** How long steady processes (and leaks not yet detected) are watched. */
  durationSeconds: number;
  /** A leak that has been detected is stopped this long after, to keep the heap of the run small. */
  keepLeaksAfterDetectionSeconds?: number;
  pollMs?: number;
  onSample?: (member: CorpusMember, sample: VerdictSample) => void;
}

const APP = fileURLToPath(new URL('../fixtures/leak-corpus-app.js', import.meta.url));

/** Runs every member at once, each in its own process, and polls its `/memory/leaks` verdict. */
export async function runLeakCorpus(options: CorpusOptions): Promise<MemberResult[]> {
  const members = options.members ?? LEAK_CORPUS;
  return Promise.all(members.map((member) => watchMember(member, options)));
}

async function watchMember(member: CorpusMember, options: CorpusOptions): Promise<MemberResult> {
  const dir = mkdtempSync(join(tmpdir(), 'me-corpus-'));
  const token = newToken();
  const child = spawn(process.execPath, [...(member.nodeArgs ?? []), APP, member.workload], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      TMPDIR: dir,
      MAINTENANCE_ENDPOINT_TOKENS: JSON.stringify([{ id: 'reader', token, scopes: ['read', 'heap'] }]),
    },
  });
  let startedAt = Date.now();
  const result: MemberResult = { member, firstLeakSeconds: null, firstDecisionSeconds: null, failedRequests: [], samples: [], watchedSeconds: 0, ended: null };
  const pending = new Set<Promise<void>>();
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
  try {
    const started = await firstLine(child);
    const url = started.url;
    // Seconds count from the workload's start (the same clock: one machine), however slow the endpoint's start was.
    startedAt = started.workloadStartedAt;
    const pollMs = options.pollMs ?? 1000;
    let stopAt = startedAt + options.durationSeconds * 1000;
    const record = (query: string | null, body: LeakAnswer, sentAt: number): void => {
      const sample: VerdictSample = {
        seconds: Math.round(((sentAt - startedAt) / 1000) * 10) / 10,
        answeredSeconds: Math.round(((Date.now() - startedAt) / 1000) * 10) / 10,
        query,
        verdict: body.verdict,
        reason: body.reason,
        leakSuspected: body.leakSuspected,
        growthBytesPerSecond: body.evidence?.growthBytesPerSecond ?? null,
        majorGcCount: body.evidence?.majorGcCount ?? null,
        automaticPauseMs: body.automaticConfirmation?.pauseMs ?? null,
      };
      result.samples.push(sample);
      options.onSample?.(member, sample);
      if (body.verdict !== 'insufficient-data') result.firstDecisionSeconds ??= sample.answeredSeconds;
      if (body.leakSuspected === true && result.firstLeakSeconds === null) {
        result.firstLeakSeconds = sample.answeredSeconds;
        // Watched on for the time asked, and at least until its requests set at fixed seconds are sent: past
        // the watch's end too, so a leak called late on a loaded machine still has its after-turn requests made.
        const lastScheduled = Math.max(0, ...(member.requests ?? []).map((entry) => entry.atSeconds ?? 0));
        const keepUntil = Math.max(Date.now() + (options.keepLeaksAfterDetectionSeconds ?? 0) * 1000, startedAt + (lastScheduled + 1) * 1000);
        if (member.leakBytesPerSecond > 0) stopAt = keepUntil;
      }
    };
    // Where-requests run beside the polling, as another client's would; each is sent once, when due, and
    // one at a time (two would contend for the heap profile slot: 409).
    const due = [...(member.requests ?? [])];
    const sendDue = (): void => {
      const now = (Date.now() - startedAt) / 1000;
      for (const entry of [...due]) {
        if (pending.size > 0) return;
        const at = entry.atSeconds ?? (result.firstLeakSeconds === null ? undefined : result.firstLeakSeconds + entry.afterLeakSeconds!);
        if (at === undefined || now < at) continue;
        due.splice(due.indexOf(entry), 1);
        const sentAt = Date.now();
        const sent = request(`${url}/memory/leaks?${entry.query}`, { token })
          .then((reply) => (reply.status === 200 ? record(entry.query, reply.json() as LeakAnswer, sentAt) : void result.failedRequests.push(`${entry.query}: ${reply.status} ${reply.body.toString().slice(0, 200)}`)))
          .catch((error: unknown) => void result.failedRequests.push(`${entry.query}: ${String(error)}`))
          .finally(() => pending.delete(sent));
        pending.add(sent);
      }
    };
    while (Date.now() < stopAt || pending.size > 0) {
      if (child.exitCode !== null || child.signalCode !== null) {
        result.ended = `exited (${child.exitCode ?? child.signalCode}): ${stderr.trim().split('\n').at(-1) ?? ''}`;
        break;
      }
      sendDue();
      const sentAt = Date.now();
      const reply = await request(`${url}/memory/leaks`, { token }).catch(() => undefined);
      if (reply?.status === 200) record(null, reply.json() as LeakAnswer, sentAt);
      if (member.watchMetric) {
        const metricsAt = Date.now();
        const metrics = await request(`${url}/metrics`, { token }).catch(() => undefined);
        const line = metrics?.status === 200 ? metrics.body.toString().split('\n').find((l) => l.startsWith('maintenance_endpoint_leak_suspected ')) : undefined;
        const verdict = line === undefined ? undefined : GAUGE_VERDICTS.get(Number(line.split(' ').at(-1)));
        if (verdict !== undefined) record('metrics', { verdict, reason: '', leakSuspected: verdict === 'leak' }, metricsAt);
      }
      await sleep(pollMs);
    }
    for (const entry of due) if (entry.atSeconds !== undefined || result.firstLeakSeconds !== null) result.failedRequests.push(`${entry.query}: never sent`);
  } catch (error) {
    result.ended = String(error);
  } finally {
    await Promise.allSettled(pending);
    result.watchedSeconds = Math.round((Date.now() - startedAt) / 1000);
    await stopChild(child, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
  return result;
}

interface LeakAnswer {
  verdict: string;
  reason: string;
  leakSuspected: boolean;
  evidence?: { growthBytesPerSecond?: number; majorGcCount?: number } | null;
  automaticConfirmation?: { pauseMs: [number, number] };
}

/**
 * A slow leak's row: the verdicts it gave before its first `leak` answer (how many of each), and those
 * answered after it that were not `leak` (a flip), with the where-requests among them. Answers are taken
 * in the order they came (`samples` is kept so), not the order they were asked: a where-request's verdict
 * is judged at its end, so plain polls sent while it ran answer first, from the floors there were then.
 */
export function slowLeakRow(result: MemberResult): { before: Record<string, number>; after: VerdictSample[] } {
  const turned = result.samples.findIndex((sample) => sample.verdict === 'leak');
  const before: Record<string, number> = {};
  for (const sample of turned < 0 ? result.samples : result.samples.slice(0, turned)) before[sample.verdict] = (before[sample.verdict] ?? 0) + 1;
  const after = turned < 0 ? [] : result.samples.slice(turned + 1).filter((sample) => sample.verdict !== 'leak');
  return { before, after };
}

function firstLine(child: ChildProcess): Promise<{ url: string; workloadStartedAt: number }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('corpus app did not start in 90 s')), 90_000);
    createInterface({ input: child.stdout! }).once('line', (line) => {
      clearTimeout(timer);
      resolve(JSON.parse(line) as { url: string; workloadStartedAt: number });
    });
    child.once('exit', (code) => reject(new Error(`corpus app exited with ${code}`)));
  });
}

/** Rows of a confusion matrix over the verdicts each process ever gave, and the detection times. */
export function confusionMatrix(results: MemberResult[], detectWithinSeconds: number): {
  truePositives: number;
  falseNegatives: number;
  falsePositives: number;
  trueNegatives: number;
} {
  let truePositives = 0;
  let falseNegatives = 0;
  let falsePositives = 0;
  let trueNegatives = 0;
  for (const result of results) {
    if (result.member.leakBytesPerSecond > 0) {
      if (result.firstLeakSeconds !== null && result.firstLeakSeconds <= detectWithinSeconds) truePositives++;
      else falseNegatives++;
    } else if (result.firstLeakSeconds !== null) falsePositives++;
    else trueNegatives++;
  }
  return { truePositives, falseNegatives, falsePositives, trueNegatives };
}
