import type { RuntimeFigures } from './runtime-overhead.js';

/** The runtime overhead figures as Markdown, with the targets they are held to. */
export function runtimeSection(figures: RuntimeFigures): string {
  const cpu = figures.cpuProfileRps / figures.baselineRps;
  const heap = figures.heapProfileRps / figures.baselineRps;
  const probe = figures.probeRps / figures.noProbeRps;
  const stack = figures.stackLatencyMs;
  return [
    `Load: autocannon in a second process, 8 connections, ${figures.seconds} s per phase, ${figures.rounds} interleaved rounds, on a CPU-bound route.`,
    '',
    '| measurement | requests/s | ratio | target |',
    '| --- | --- | --- | --- |',
    `| no profiler (baseline) | ${figures.baselineRps.toFixed(0)} | 1.00 | |`,
    `| CPU profile running (1000 us interval) | ${figures.cpuProfileRps.toFixed(0)} | ${cpu.toFixed(3)} | >= 0.95: ${cpu >= 0.95 ? 'met' : 'missed'} |`,
    `| sampling heap profiler running (32 KiB) | ${figures.heapProfileRps.toFixed(0)} | ${heap.toFixed(3)} | >= 0.95: ${heap >= 0.95 ? 'met' : 'missed'} |`,
    `| app alone (no endpoint, no probe) | ${figures.noProbeRps.toFixed(0)} | 1.00 | |`,
    `| app with the main-thread probe | ${figures.probeRps.toFixed(0)} | ${probe.toFixed(3)} | |`,
    '',
    `/stack while the loop is blocked by a busy function: first call ${stack.first.toFixed(1)} ms; then over ${stack.samples} calls p50 ${stack.p50.toFixed(1)} ms, ` +
      `p95 ${stack.p95.toFixed(1)} ms, max ${stack.max.toFixed(1)} ms (target: under 100 ms once warm: ${stack.max < 100 ? 'met' : 'missed'}).`,
  ].join('\n');
}
