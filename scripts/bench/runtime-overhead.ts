import { request } from 'node:http';
import { load, makeTempDir, removeTempDir, startChild, stop, TOKEN } from './processes.js';

export interface RuntimeFigures {
  seconds: number;
  rounds: number;
  baselineRps: number;
  cpuProfileRps: number;
  heapProfileRps: number;
  noProbeRps: number;
  probeRps: number;
  stackLatencyMs: { first: number; p50: number; p95: number; max: number; samples: number };
}

function get(url: string, token?: string): Promise<{ status: number; body: string; ms: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: token ? { authorization: `Bearer ${token}` } : {} }, (res) => {
      let body = '';
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, body, ms: performance.now() - started }));
    });
    req.on('error', reject);
    req.end();
  });
}

const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

/**
 * Throughput of a CPU-bound route under a load generator in a second process: with no profiler, while a
 * CPU profile runs at the default interval, and while the sampling heap profiler runs, interleaved in
 * rounds so drift hits all three alike. Then the probe's own cost (app alone against app plus probe),
 * and the latency of /stack while the app's loop is blocked.
 */
export async function runRuntimeBench(seconds: number, rounds: number, log: (line: string) => void): Promise<RuntimeFigures> {
  // The app is stopped with SIGKILL, so its dump store could not remove itself: it lives in a private
  // TMPDIR that is removed here.
  const tempDir = makeTempDir();
  const { child, info } = await startChild<{ app: string; ops: string }>('cpu-bound-app.js', ['endpoint'], { env: { TMPDIR: tempDir } });
  const baseline: number[] = [];
  const cpu: number[] = [];
  const heap: number[] = [];
  let stackLatencyMs: RuntimeFigures['stackLatencyMs'];
  try {
    await load(`${info.app}/work`, 3); // warm-up: JIT and connection pools
    for (let round = 1; round <= rounds; round++) {
      baseline.push((await load(`${info.app}/work`, seconds)).rps);
      for (const [path, into] of [['cpuprofile', cpu], ['heapprofile', heap]] as const) {
        const profile = get(`${info.ops}/${path}?seconds=${seconds + 2}`, TOKEN);
        await new Promise((resolve) => setTimeout(resolve, 500));
        into.push((await load(`${info.app}/work`, seconds)).rps);
        const reply = await profile;
        if (reply.status !== 200) throw new Error(`${path} answered ${reply.status}: ${reply.body.slice(0, 200)}`);
      }
      log(`  round ${round}: baseline ${baseline.at(-1)!.toFixed(0)} req/s, cpu profile ${cpu.at(-1)!.toFixed(0)}, heap profile ${heap.at(-1)!.toFixed(0)}`);
    }

    // /stack on a blocked loop: the first call warms the path; the rest are measured.
    const blocked = get(`${info.app}/block?ms=${Math.max(5000, 25 * 200)}`);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const latencies: number[] = [];
    for (let i = 0; i < 21; i++) {
      const reply = await get(`${info.ops}/stack`, TOKEN);
      if (!reply.body.includes('busyLoop')) throw new Error('the stack did not show the blocked loop');
      latencies.push(reply.ms);
    }
    await blocked;
    const [first, ...warm] = latencies;
    const sorted = [...warm].sort((a, b) => a - b);
    stackLatencyMs = { first: first!, p50: percentile(sorted, 50), p95: percentile(sorted, 95), max: sorted.at(-1)!, samples: sorted.length };
  } finally {
    await stop(child);
    removeTempDir(tempDir);
  }

  const noProbe: number[] = [];
  const probe: number[] = [];
  for (let round = 1; round <= rounds; round++) {
    for (const [mode, into] of [['none', noProbe], ['probe', probe]] as const) {
      const dir = makeTempDir();
      const app = await startChild<{ app: string }>('cpu-bound-app.js', [mode], { env: { TMPDIR: dir } });
      try {
        await load(`${app.info.app}/work`, 2);
        into.push((await load(`${app.info.app}/work`, seconds)).rps);
      } finally {
        await stop(app.child);
        removeTempDir(dir);
      }
    }
    log(`  probe round ${round}: app alone ${noProbe.at(-1)!.toFixed(0)} req/s, with probe ${probe.at(-1)!.toFixed(0)}`);
  }
  return {
    seconds,
    rounds,
    baselineRps: mean(baseline),
    cpuProfileRps: mean(cpu),
    heapProfileRps: mean(heap),
    noProbeRps: mean(noProbe),
    probeRps: mean(probe),
    stackLatencyMs,
  };
}
