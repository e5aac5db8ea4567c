import { MaintenanceError } from '../errors.js';
import { isOwnThread } from './own-threads.js';
import type { CdpTarget } from './target.js';
import { WorkerThreadTarget, type WorkerThreadInfo } from './worker-thread-target.js';

interface AttachedToWorker {
  sessionId: string;
  workerInfo: { workerId: string; type: string; title: string; url: string };
}

/** `[worker 3] name`: Node titles a worker's inspector target with its threadId and its name. */
const TITLE = /^\[worker (\d+)\] ?(.*)$/s;

export interface WorkerThreadsOptions {
  /** Threads that are the endpoint's own (the server's worker), never the app's: not listed, not reachable. */
  ownThreadIds?: readonly number[];
}

/**
 * The worker threads of the inspected thread, as its `NodeWorker` domain announces them. The domain is
 * enabled on first use and stays enabled: every worker, present or started later, gets a session that
 * lives as long as it does. It is enabled once per connection (again after a sidecar reconnects), never
 * disabled: a second `enable` would add nothing. Workers started by workers are announced to the same session
 * (Node 22, 24 and 26), so they are listed and reachable like the main thread's own.
 */
export class WorkerThreads {
  readonly #parent: CdpTarget;
  readonly #own: ReadonlySet<number>;
  readonly #bySession = new Map<string, WorkerThreadTarget>();
  #enabled: Promise<void> | undefined;

  constructor(parent: CdpTarget, options: WorkerThreadsOptions = {}) {
    this.#parent = parent;
    this.#own = new Set(options.ownThreadIds ?? []);
  }

  /** The app's live worker threads, in the order Node announced them. */
  async list(): Promise<WorkerThreadTarget[]> {
    await this.#enable();
    return [...this.#bySession.values()].filter((thread) => !thread.exited && !this.#own.has(thread.info.id) && !isOwnThread(thread.info.id));
  }

  /** The live worker thread whose threadId is `id`, or THREAD_NOT_FOUND naming the live ones. */
  async target(id: number): Promise<WorkerThreadTarget> {
    const threads = await this.list();
    const thread = threads.find((candidate) => candidate.info.id === id);
    if (thread !== undefined) return thread;
    const live = [0, ...threads.map((candidate) => candidate.info.id)];
    throw new MaintenanceError('THREAD_NOT_FOUND', `No live thread ${id}; the live threads are ${live.join(', ')}.`, { details: { threads: live } });
  }

  #enable(): Promise<void> {
    this.#enabled ??= this.#subscribeAndEnable().catch((error: unknown) => {
      this.#enabled = undefined;
      throw error;
    });
    return this.#enabled;
  }

  async #subscribeAndEnable(): Promise<void> {
    this.#subscribe();
    // Node announces the workers already running before it answers enable, so they are all known here.
    await this.#parent.send('NodeWorker.enable', { waitForDebuggerOnStart: false });
  }

  #subscribed = false;

  #subscribe(): void {
    if (this.#subscribed) return;
    this.#subscribed = true;
    this.#parent.on('NodeWorker.attachedToWorker', (params: AttachedToWorker) => {
      const info = workerInfo(params.workerInfo);
      if (info !== undefined) this.#bySession.set(params.sessionId, new WorkerThreadTarget(this.#parent, params.sessionId, info));
    });
    this.#parent.on('NodeWorker.detachedFromWorker', (params: { sessionId: string }) => {
      this.#bySession.get(params.sessionId)?.detach();
      this.#bySession.delete(params.sessionId);
    });
    // A sidecar's connection was lost: its worker sessions died with it, and the next connection must enable again.
    this.#parent.on('Inspector.detached', () => {
      for (const thread of this.#bySession.values()) thread.detach();
      this.#bySession.clear();
      this.#enabled = undefined;
    });
    this.#parent.on('NodeWorker.receivedMessageFromWorker', (params: { sessionId: string; message: string }) => {
      this.#bySession.get(params.sessionId)?.receive(params.message);
    });
  }
}

function workerInfo(info: AttachedToWorker['workerInfo']): WorkerThreadInfo | undefined {
  const title = TITLE.exec(info.title);
  if (title === null) return undefined;
  return { id: Number(title[1]), name: title[2] ?? '', url: info.url };
}
