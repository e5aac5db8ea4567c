import { EventEmitter } from 'node:events';
import { MaintenanceError, ProtocolError } from '../errors.js';
import type { CdpTarget, TargetCapabilities } from './target.js';

/** A worker thread as the inspector announces it (`NodeWorker.attachedToWorker`). */
export interface WorkerThreadInfo {
  /** Node's `threadId` of the worker. */
  id: number;
  /** The `name` option the worker was created with ('' when none, 'WorkerThread' by default on Node 24+). */
  name: string;
  /** The worker's script URL; empty for a worker made from code (`eval: true`) or a data: URL. */
  url: string;
}

/** What a worker's inspector answers a command that the thread's end cut short. */
const DESTROYED = 'Execution context was destroyed.';
/**
 * What it answers both a command cut short by `worker.terminate()` and a `Runtime.evaluate` stopped at its
 * own `timeout`: the worker lives on after the second only.
 */
const TERMINATED = 'Execution was terminated';

interface Pending {
  method: string;
  resolve: (result: unknown) => void;
  reject: (error: Error) => void;
  /** When it was sent (performance.now()) and the `timeout` it gave the worker's V8, if any. */
  sentAt: number;
  timeoutMs: number | undefined;
}

export const threadExited = (thread: WorkerThreadInfo, during?: string): MaintenanceError =>
  new MaintenanceError('THREAD_EXITED', `Worker thread ${thread.id}${thread.name ? ` (${thread.name})` : ''} exited${during ? ` during ${during}` : ''}.`, {
    details: { thread: thread.id },
  });

/** The app's thread a target works on: a worker's threadId, or 0 for the main thread (any other target). */
export function threadIdOf(target: CdpTarget): number {
  return target instanceof WorkerThreadTarget ? target.info.id : 0;
}

/**
 * Whether a TERMINATED answer is V8 stopping the command at its own `timeout` (the worker goes on; an
 * evaluation answers EVALUATION_TIMEOUT) rather than the worker being terminated. V8 starts that clock once
 * the worker has the command, so a timeout cannot answer sooner than the timeout after it was sent; a
 * terminated worker answers whenever it is terminated. (Asking the worker again does not tell: in router mode
 * a worker being terminated still answered a second evaluation.)
 */
function ranIntoItsTimeout(pending: Pending): boolean {
  return pending.timeoutMs !== undefined && performance.now() - pending.sentAt >= pending.timeoutMs - 1;
}

/**
 * One worker thread of the inspected process, spoken to through the `NodeWorker` domain of a session on
 * its parent thread: each command is wrapped in `NodeWorker.sendMessageToWorker`, each answer and event
 * comes back in `NodeWorker.receivedMessageFromWorker`. Operations use it exactly like any other target.
 *
 * The worker's inspector runs on its own I/O thread and interrupts the worker's isolate, as the main
 * thread's does: a worker busy in a loop still answers. When the worker exits, every pending command and
 * every later one fails with THREAD_EXITED, so an operation ends with an error instead of waiting forever
 * (Node 24 drops the answers of a terminated worker without a word).
 */
export class WorkerThreadTarget implements CdpTarget {
  readonly capabilities: TargetCapabilities;
  readonly info: WorkerThreadInfo;
  readonly #parent: CdpTarget;
  readonly #sessionId: string;
  readonly #events = new EventEmitter();
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;
  #exited = false;

  constructor(parent: CdpTarget, sessionId: string, info: WorkerThreadInfo) {
    this.#parent = parent;
    this.#sessionId = sessionId;
    this.info = info;
    // The worker's inspector runs on another thread than any session of ours, so progress events are safe
    // (unlike on a same-thread session); the file system is the parent's.
    this.capabilities = { progressEvents: true, sameThread: false, sharedFileSystem: parent.capabilities.sharedFileSystem };
    this.#events.setMaxListeners(0);
  }

  get exited(): boolean {
    return this.#exited;
  }

  async send<T = unknown>(method: string, params?: object): Promise<T> {
    if (this.#exited) throw threadExited(this.info, method);
    const id = this.#nextId++;
    const timeout = (params as { timeout?: unknown } | undefined)?.timeout;
    const timeoutMs = typeof timeout === 'number' ? timeout : undefined;
    const answer = new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { method, resolve: resolve as (result: unknown) => void, reject, sentAt: performance.now(), timeoutMs });
    });
    // The worker may exit while the relay itself is still being answered: the answer is then rejected before
    // it is returned to anyone, and an unhandled rejection would end the process (the app's, in router mode).
    answer.catch(() => {});
    try {
      await this.#parent.send('NodeWorker.sendMessageToWorker', {
        sessionId: this.#sessionId,
        message: JSON.stringify({ id, method, params: params ?? {} }),
      });
    } catch (error) {
      this.#pending.delete(id);
      throw error;
    }
    return answer;
  }

  on(event: string, listener: (params: any) => void): void {
    this.#events.on(event, listener);
  }

  off(event: string, listener: (params: any) => void): void {
    this.#events.off(event, listener);
  }

  processId(): Promise<number> {
    return this.#parent.processId();
  }

  /** The sessions belong to the thread directory, which outlives any one operation. */
  async close(): Promise<void> {}

  /** A message of `NodeWorker.receivedMessageFromWorker` for this worker: an answer or an event. */
  receive(text: string): void {
    const message = JSON.parse(text) as { id?: number; result?: unknown; error?: { message: string }; method?: string; params?: unknown };
    if (message.id === undefined) {
      if (message.method !== undefined) this.#events.emit(message.method, message.params);
      return;
    }
    const pending = this.#pending.get(message.id);
    if (pending === undefined) return;
    this.#pending.delete(message.id);
    if (message.error === undefined) pending.resolve(message.result);
    // The last answer of a worker being torn down (its context destroyed on Node 22 and 26); its detachment follows.
    else if (message.error.message === DESTROYED || (message.error.message === TERMINATED && !ranIntoItsTimeout(pending))) pending.reject(threadExited(this.info, pending.method));
    else pending.reject(new ProtocolError(pending.method, message.error.message));
  }

  /** The worker is gone (`NodeWorker.detachedFromWorker`): nothing pending will ever be answered. */
  detach(): void {
    this.#exited = true;
    for (const pending of this.#pending.values()) pending.reject(threadExited(this.info, pending.method));
    this.#pending.clear();
  }
}
