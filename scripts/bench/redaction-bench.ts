import { download } from './download.js';
import { watchPeakRss } from './peak-rss.js';
import { processCpuSeconds } from './process-cpu.js';
import { makeTempDir, removeTempDir, startChild, stop, TOKEN } from './processes.js';
import { median } from './statistics.js';
import { mebibytes } from './units.js';
import { SnapshotTokenizer } from '../../src/heapsnapshot/snapshot-tokenizer.js';
import { SnapshotRedactor, type RedactionSummary } from '../../src/snapshot-redaction/redact-heap-snapshot.js';

/**
 * The cost of redaction: the same heap's snapshot downloaded from worker mode redacted (the default) and
 * raw (`redact=false`), side by side, each run a fresh target process (snapshot-target.ts), the two
 * alternating. Figures: the time until the client has the last byte, and the target's extra peak RSS
 * during the snapshot (the redaction runs in its endpoint thread). Then one raw download, kept in this
 * process, is run through a redactor here, for what the redaction itself keeps (its marks over the
 * strings), and timed standalone: the redactor over its chunks against the bare tokenizer over them.
 */
export interface RedactionFigures {
  items: number;
  runs: number;
  /** `cpuSeconds`: the target process's CPU time (all threads) from the request to the last byte. */
  raw: { seconds: number[]; cpuSeconds: number[]; extraPeakRss: number[]; bytes: number };
  redacted: { seconds: number[]; cpuSeconds: number[]; extraPeakRss: number[]; bytes: number };
  marks: RedactionSummary;
  /** Standalone over the kept download's chunks, in this process: medians of STANDALONE_RUNS, in seconds. */
  standalone: { bytes: number; chunks: number; tokenizerSeconds: number; redactorSeconds: number };
}

const STANDALONE_RUNS = 5;

function secondsOf(work: () => void): number {
  const start = process.hrtime.bigint();
  work();
  return Number(process.hrtime.bigint() - start) / 1e9;
}

/** The redactor and the bare tokenizer over the same chunks, alternating; medians. */
function timeStandalone(chunks: Buffer[]): RedactionFigures['standalone'] {
  const tokenizer: number[] = [];
  const redactor: number[] = [];
  const ignore = () => undefined;
  for (let run = 0; run < STANDALONE_RUNS; run++) {
    tokenizer.push(secondsOf(() => {
      const bare = new SnapshotTokenizer({ header: ignore, sectionStart: ignore, numbers: ignore, string: ignore, sectionEnd: ignore });
      for (const chunk of chunks) bare.write(chunk);
      bare.end();
    }));
    redactor.push(secondsOf(() => {
      const redacting = new SnapshotRedactor();
      for (const chunk of chunks) redacting.write(chunk);
      redacting.end();
    }));
  }
  return { bytes: chunks.reduce((sum, chunk) => sum + chunk.length, 0), chunks: chunks.length, tokenizerSeconds: median(tokenizer), redactorSeconds: median(redactor) };
}

async function runOnce(redact: boolean, items: number, maxOldSpaceMiB: number, onChunk?: (chunk: Buffer) => void): Promise<{ seconds: number; cpuSeconds: number; extraPeakRss: number; bytes: number }> {
  const tempDir = makeTempDir();
  const { child, info } = await startChild<{ url: string }>('snapshot-target.js', ['worker', String(items)], {
    nodeArgs: ['--expose-gc', `--max-old-space-size=${maxOldSpaceMiB}`],
    env: { TMPDIR: tempDir },
  });
  try {
    const watch = await watchPeakRss(child.pid!);
    const cpuBefore = processCpuSeconds(child.pid!);
    const result = await download(`${info.url}/heapsnapshot${redact ? '' : '?redact=false'}`, { token: TOKEN, onChunk });
    const cpuSeconds = processCpuSeconds(child.pid!) - cpuBefore;
    const peak = await watch.finish();
    if (result.status !== 200) throw new Error(`the snapshot answered ${result.status}: ${result.errorText}`);
    return { seconds: result.seconds, cpuSeconds, extraPeakRss: peak - watch.rssBefore, bytes: result.bytes };
  } finally {
    await stop(child);
    removeTempDir(tempDir);
  }
}

export async function runRedactionBench(items: number, runs: number, maxOldSpaceMiB: number, log: (line: string) => void): Promise<RedactionFigures> {
  const figures: RedactionFigures = {
    items,
    runs,
    raw: { seconds: [], cpuSeconds: [], extraPeakRss: [], bytes: 0 },
    redacted: { seconds: [], cpuSeconds: [], extraPeakRss: [], bytes: 0 },
    marks: { strings: 0, redacted: 0, markBytes: 0 },
    standalone: { bytes: 0, chunks: 0, tokenizerSeconds: 0, redactorSeconds: 0 },
  };
  for (let run = 0; run < runs; run++) {
    // Alternate which goes first, so drift of the machine hits both alike.
    const order = run % 2 === 0 ? [true, false] : [false, true];
    for (const redact of order) {
      const result = await runOnce(redact, items, maxOldSpaceMiB);
      const into = redact ? figures.redacted : figures.raw;
      into.seconds.push(result.seconds);
      into.cpuSeconds.push(result.cpuSeconds);
      into.extraPeakRss.push(result.extraPeakRss);
      into.bytes = result.bytes;
      log(`  run ${run + 1} ${redact ? 'redacted' : 'raw     '}: ${result.seconds.toFixed(2)} s, CPU ${result.cpuSeconds.toFixed(2)} s, ${mebibytes(result.bytes)}, extra peak RSS ${mebibytes(result.extraPeakRss)}`);
    }
  }
  const redactor = new SnapshotRedactor();
  const chunks: Buffer[] = [];
  await runOnce(false, items, maxOldSpaceMiB, (chunk) => {
    chunks.push(chunk);
    redactor.write(chunk);
  });
  redactor.end();
  figures.marks = redactor.summary;
  log(`  marks: ${figures.marks.strings.toLocaleString('en-US')} strings, ${figures.marks.redacted.toLocaleString('en-US')} redacted, ${mebibytes(figures.marks.markBytes)} of marks`);
  figures.standalone = timeStandalone(chunks);
  log(`  standalone: redactor ${figures.standalone.redactorSeconds.toFixed(3)} s, bare tokenizer ${figures.standalone.tokenizerSeconds.toFixed(3)} s over ${mebibytes(figures.standalone.bytes)}`);
  return figures;
}

export const REDACTION_HEADING = 'Heap snapshot redaction';

/** The section of docs/benchmarks.md. */
export function redactionSection(figures: RedactionFigures, meta: { command: string; machine: string; date: string }): string {
  const raw = { s: median(figures.raw.seconds), cpu: median(figures.raw.cpuSeconds), rss: median(figures.raw.extraPeakRss) };
  const redacted = { s: median(figures.redacted.seconds), cpu: median(figures.redacted.cpuSeconds), rss: median(figures.redacted.extraPeakRss) };
  const pairedCpu = figures.redacted.cpuSeconds.map((seconds, run) => seconds / figures.raw.cpuSeconds[run]!);
  const ratio = redacted.s / raw.s;
  const paired = figures.redacted.seconds.map((seconds, run) => seconds / figures.raw.seconds[run]!);
  const throughput = (seconds: number) => `${Math.round(figures.standalone.bytes / 1e6 / seconds)} MB/s`;
  const extra = redacted.rss - raw.rss;
  const limit = 16 * 1024 * 1024;
  return [
    `From \`${meta.command}\` on ${meta.machine}, ${meta.date}: a heap of ${figures.items.toLocaleString('en-US')} small objects (each with a unique string), ` +
      `its snapshot downloaded from worker mode ${figures.runs} times each way, redacted (the default) and raw (\`redact=false\`), each run a fresh process, the two alternating; medians. ` +
      'Time is until the client has the last byte; CPU is the snapshotted process\'s CPU time meanwhile (all its threads: V8 serializing, the endpoint thread reading, redacting and sending), which a loaded machine does not stretch; extra peak RSS is the snapshotted process\'s (V8 building the snapshot, the endpoint thread streaming and redacting it) over its RSS before.',
    '',
    '| | time | CPU | extra peak RSS | bytes |',
    '| --- | --- | --- | --- | --- |',
    `| raw | ${raw.s.toFixed(2)} s | ${raw.cpu.toFixed(2)} s | ${mebibytes(raw.rss)} | ${mebibytes(figures.raw.bytes)} |`,
    `| redacted | ${redacted.s.toFixed(2)} s | ${redacted.cpu.toFixed(2)} s | ${mebibytes(redacted.rss)} | ${mebibytes(figures.redacted.bytes)} |`,
    '',
    `- Time: ${ratio.toFixed(2)}x the raw snapshot, ${ratio <= 1.1 ? '**met**' : '**not met**'} (goal <= 1.10x); ` +
      `each run's redacted time over the raw one next to it: median ${median(paired).toFixed(2)}x, from ${Math.min(...paired).toFixed(2)}x to ${Math.max(...paired).toFixed(2)}x (the spread is the machine's load).`,
    `- CPU: the redacted snapshot costs the process ${(redacted.cpu / raw.cpu).toFixed(2)}x the raw one's CPU time; each run's over the raw one next to it: median ${median(pairedCpu).toFixed(2)}x, from ${Math.min(...pairedCpu).toFixed(2)}x to ${Math.max(...pairedCpu).toFixed(2)}x.`,
    `- Extra memory: ${mebibytes(extra)} more peak RSS than raw, ${extra <= limit ? '**met**' : '**not met**'} (goal <= 16 MiB); ` +
      `the redaction's marks over the ${figures.marks.strings.toLocaleString('en-US')} strings (${figures.marks.redacted.toLocaleString('en-US')} redacted) took ${mebibytes(figures.marks.markBytes)}.`,
    `- Standalone, over one raw download's ${figures.standalone.chunks.toLocaleString('en-US')} chunks (${mebibytes(figures.standalone.bytes)}) held in the bench's process (medians of ${STANDALONE_RUNS}, the two alternating): ` +
      `the redactor takes ${figures.standalone.redactorSeconds.toFixed(3)} s (${throughput(figures.standalone.redactorSeconds)}), ` +
      `the bare tokenizer it runs on ${figures.standalone.tokenizerSeconds.toFixed(3)} s (${throughput(figures.standalone.tokenizerSeconds)}).`,
  ].join('\n');
}
