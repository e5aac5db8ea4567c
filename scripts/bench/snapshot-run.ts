import type { ChildProcess } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { download } from './download.js';
import { watchPeakRss, type PeakRssMethod } from './peak-rss.js';
import { makeTempDir, removeTempDir, startChild, stop, TOKEN } from './processes.js';
import { HeapSnapshotChecker, type SnapshotStructure } from './snapshot-structure.js';
import type { Scenario } from './snapshot-scenarios.js';

export interface SnapshotRun {
  scenario: Scenario;
  items: number;
  /** heapUsed of the snapshotted process once its heap was built and collected. */
  heapUsed: number;
  /** Until the client had the last byte; for the floor, the duration of the writeHeapSnapshot call. */
  seconds: number;
  /** Until the client had the first byte (null for the floor). */
  firstByteSeconds: number | null;
  /** Snapshot bytes the client received (0 for the floor, which writes to /dev/null). */
  bytes: number;
  rssBefore: number;
  peakRss: number;
  /** Peak RSS during the operation less the RSS just before it. */
  extraPeakRss: number;
  rssMethod: PeakRssMethod;
  /** Files the operation left in the process's temp directory. */
  leftovers: string[];
  /** Set when the snapshot did not arrive whole; the figures are then those of the failure. */
  error: string | null;
  /** With checkStructure: what the streaming check found in the whole download. */
  structure?: SnapshotStructure;
}

export interface RunOptions {
  /** --max-old-space-size of the snapshotted process. */
  maxOldSpaceMiB: number;
  /** Poll VmRSS even where the kernel's high-water mark can be reset. */
  forceRssPolling?: boolean;
  /** Scan the whole download with HeapSnapshotChecker (costs the client about a second per 300 MB). */
  checkStructure?: boolean;
}

/** Lets the child's start-up work (worker thread, timers) finish before the RSS baseline is taken. */
const SETTLE_MS = 500;

/**
 * One run of one scenario in a fresh process that builds the same heap of `items` small objects. The
 * process and its private temp directory (its TMPDIR: temp files, spill files, pipes) are gone when
 * this returns or throws.
 */
export async function runSnapshotScenario(scenario: Scenario, items: number, options: RunOptions): Promise<SnapshotRun> {
  const tempDir = makeTempDir();
  try {
    const remote = scenario === 'remote';
    const { child, info } = await startChild<TargetInfo>('snapshot-target.js', [scenario, String(items)], {
      nodeArgs: ['--expose-gc', `--max-old-space-size=${options.maxOldSpaceMiB}`, ...(remote ? ['--inspect=127.0.0.1:0'] : [])],
      env: { TMPDIR: tempDir },
    });
    let sidecar: ChildProcess | undefined;
    try {
      let url = info.url;
      if (remote) ({ child: sidecar, url } = await startSidecar(info, tempDir));
      await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
      const filesBefore = new Set(readdirSync(tempDir));
      const watch = await watchPeakRss(child.pid!, { forcePolling: options.forceRssPolling === true });
      const run: SnapshotRun = {
        scenario,
        items,
        heapUsed: info.heapUsed,
        seconds: 0,
        firstByteSeconds: null,
        bytes: 0,
        rssBefore: watch.rssBefore,
        peakRss: 0,
        extraPeakRss: 0,
        rssMethod: watch.method,
        leftovers: [],
        error: null,
      };
      const started = performance.now();
      try {
        if (scenario === 'floor') {
          run.seconds = await askForFloor(child);
        } else {
          Object.assign(run, await downloadSnapshot(`${url}/heapsnapshot`, options.checkStructure === true));
        }
      } catch (error) {
        run.seconds = (performance.now() - started) / 1000;
        run.error = (error as Error).message;
      }
      try {
        run.peakRss = await watch.finish();
        run.extraPeakRss = run.peakRss - run.rssBefore;
      } catch (error) {
        run.peakRss = run.extraPeakRss = Number.NaN;
        run.error ??= (error as Error).message;
      }
      run.leftovers = readdirSync(tempDir).filter((name) => !filesBefore.has(name));
      return run;
    } finally {
      if (sidecar !== undefined) await stop(sidecar);
      await stop(child);
    }
  } finally {
    removeTempDir(tempDir);
  }
}

interface TargetInfo {
  url: string | null;
  /** The inspector's WebSocket URL, where the process was started with --inspect. */
  inspector: string | null;
  heapUsed: number;
}

const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

/** The sidecar, started as a user would start it, serving the target through its inspector. */
async function startSidecar(target: TargetInfo, tempDir: string): Promise<{ child: ChildProcess; url: string }> {
  if (target.inspector === null) throw new Error('the target has no inspector');
  const { child, info } = await startChild<string>(CLI, ['serve', '--target', new URL(target.inspector).host, '--port', '0', '--audit-log', '/dev/null'], {
    env: { TMPDIR: tempDir },
    parse: (line) => {
      const url = /^Serving (\S+) /.exec(line)?.[1];
      if (url === undefined) throw new Error(`unexpected output from the sidecar: ${line}`);
      return url;
    },
  });
  return { child, url: info };
}

function askForFloor(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    child.once('message', (reply) => resolve((reply as { seconds: number }).seconds));
    child.once('exit', (code, signal) => reject(new Error(`the process exited with ${signal ?? code} while writing the snapshot`)));
    child.send('floor');
  });
}

async function downloadSnapshot(
  url: string,
  checkStructure: boolean,
): Promise<Pick<SnapshotRun, 'seconds' | 'firstByteSeconds' | 'bytes' | 'error' | 'structure'>> {
  const checker = checkStructure ? new HeapSnapshotChecker() : undefined;
  const got = await download(url, { token: TOKEN, ...(checker ? { onChunk: (chunk: Buffer) => checker.write(chunk) } : {}) });
  const figures = { seconds: got.seconds, firstByteSeconds: got.firstByteSeconds, bytes: got.bytes };
  if (got.status !== 200) return { ...figures, error: `HTTP ${got.status}: ${got.errorText.trim()}` };
  // Without the full check, the edges of the document at least show it was not cut short.
  if (!got.head.startsWith('{"snapshot":') || !got.tail.trimEnd().endsWith(']}')) {
    return { ...figures, error: `not a whole heap snapshot (starts ${JSON.stringify(got.head)}, ends ${JSON.stringify(got.tail)})` };
  }
  if (checker === undefined) return { ...figures, error: null };
  try {
    return { ...figures, error: null, structure: checker.finish() };
  } catch (error) {
    return { ...figures, error: (error as Error).message };
  }
}
