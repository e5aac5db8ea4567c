import type { CdpTarget } from '../targets/target.js';
import { heapUsage } from './heap-usage.js';
import { evaluateJson } from '../targets/protocol.js';
import type { WorkerThreads } from '../targets/worker-threads.js';

export interface ThreadFigures {
  /** Node's threadId: 0 for the main thread. */
  id: number;
  name: string;
  /** The thread's script URL; empty for a worker made from code. */
  url: string;
  /** Whether the thread answered within the time limit; when not, its figures are null. */
  responsive: boolean;
  /** Runtime.getHeapUsage: the thread's own V8 heap, in bytes. */
  heapUsedBytes: number | null;
  heapTotalBytes: number | null;
  /** `performance.eventLoopUtilization()` in the thread: since it started, in milliseconds and as a ratio. */
  eventLoopUtilization: { utilization: number; activeMs: number; idleMs: number } | null;
}

/** How long one thread gets to answer: a thread outside JavaScript (synchronous I/O) may never answer. */
export const THREAD_ANSWER_TIMEOUT_MS = 1000;

const ELU_EXPRESSION = `(() => { const u = performance.eventLoopUtilization(); return { utilization: u.utilization, activeMs: u.active, idleMs: u.idle }; })()`;
const MAIN_SCRIPT_EXPRESSION = `(() => { const script = process.argv[1]; return script ? require('node:url').pathToFileURL(script).href : ''; })()`;

/**
 * The main thread and every live worker thread of the app, with the figures each gives through its own
 * inspector session. The threads are asked at the same time, each within its own time limit.
 */
export async function listThreads(main: CdpTarget, workers: WorkerThreads): Promise<ThreadFigures[]> {
  const threads = await workers.list();
  return Promise.all([
    figuresOf(main, { id: 0, name: 'main', url: await withinLimit(evaluateJson<string>(main, 'Reading the main script', MAIN_SCRIPT_EXPRESSION, { commandLineApi: true })) ?? '' }),
    ...threads.map((thread) => figuresOf(thread, thread.info)),
  ]);
}

async function figuresOf(target: CdpTarget, identity: { id: number; name: string; url: string }): Promise<ThreadFigures> {
  const [heap, elu] = await Promise.all([
    withinLimit(heapUsage(target)),
    withinLimit(evaluateJson<NonNullable<ThreadFigures['eventLoopUtilization']>>(target, 'Reading event-loop utilization', ELU_EXPRESSION)),
  ]);
  return {
    ...identity,
    responsive: heap !== undefined,
    heapUsedBytes: heap?.usedSize ?? null,
    heapTotalBytes: heap?.totalSize ?? null,
    eventLoopUtilization: elu ?? null,
  };
}

/** The value, or undefined when it failed or took longer than the limit (the thread exited, or does not answer). */
async function withinLimit<T>(work: Promise<T>): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), THREAD_ANSWER_TIMEOUT_MS);
  });
  return Promise.race([work.catch(() => undefined), late]).finally(() => clearTimeout(timer));
}
