import { Session } from 'node:inspector';
import { parentPort, workerData } from 'node:worker_threads';
import { WATCH_STATE, type WatchdogData } from './heap-watchdog-state.js';

/**
 * The heap watchdog's thread (see heap-watchdog.ts): reads the main thread's heap through its own
 * inspector session while an evaluation runs there, and stops the evaluation once the heap has grown
 * past its budget. The inspector answers it between two steps of the running JavaScript.
 */
const { state, budgetBytes, pollMs } = workerData as WatchdogData;
const flags = new Int32Array(state);
const session = new Session();
session.connectToMainThread();

const post = <T>(method: string): Promise<T> =>
  new Promise((resolve, reject) => session.post(method, (error, result) => (error ? reject(error) : resolve(result as T))));

const usedSize = async () => (await post<{ usedSize: number }>('Runtime.getHeapUsage')).usedSize;

/** Top-level awaits would be reported as unsettled when the thread is terminated: an async function is not. */
async function watch(): Promise<void> {
  let lowest = await usedSize();
  parentPort!.postMessage('ready');
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, pollMs));
    if (Atomics.load(flags, 0) !== WATCH_STATE.running) break;
    // Growth over the lowest figure seen: garbage left from before is collected meanwhile, and a base
    // that counted it would let the evaluation grow by that much more.
    const used = await usedSize();
    lowest = Math.min(lowest, used);
    const grown = used - lowest;
    if (grown <= budgetBytes) continue;
    // Only while the main thread has not said the evaluation is over: a termination must never find the
    // app's own code instead (the main thread absorbs one that arrives late, see heap-watchdog.ts).
    if (Atomics.compareExchange(flags, 0, WATCH_STATE.running, WATCH_STATE.terminating) !== WATCH_STATE.running) break;
    await post('Runtime.terminateExecution').catch(() => undefined);
    Atomics.store(flags, 0, WATCH_STATE.terminated);
    Atomics.notify(flags, 0);
    break;
  }
}

// A reply awaited from the inspector does not keep a thread alive: without a handle of its own, the
// thread would end while the main thread runs the evaluation it is waiting on.
const alive = setInterval(() => undefined, 60_000);
watch()
  .catch(() => undefined)
  .finally(() => {
    clearInterval(alive);
    session.disconnect();
  });
