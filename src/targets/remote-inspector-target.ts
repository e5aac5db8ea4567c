import { EventEmitter } from 'node:events';
import CDP, { type Client } from 'chrome-remote-interface';
import { ProtocolError, targetUnavailable } from '../errors.js';
import { evaluate } from './protocol.js';
import type { CdpTarget, TargetCapabilities } from './target.js';
import { contained } from '../contained.js';

export interface RemoteTargetOptions {
  host: string;
  port: number;
  /**
   * Follow the port to whatever process holds it after a reconnection. Off: once connected to one
   * process, a different process on the port is refused (another app, or a restart the operator did
   * not ask to follow), and every command answers 503 saying so.
   */
  followRestarts?: boolean;
  /** Called when the connection is made (with the pid it reached, when it could be read), lost, or refused. */
  onStateChange?: (state: 'connected' | 'disconnected' | 'refused', detail: string, pid?: number) => void;
}

/** How long a process that answers its inspector gets to tell its pid before it is taken as unknown. */
const PID_TIMEOUT_MS = 5000;

const RECONNECT_MS = 1000;

/**
 * Another Node process's inspector (`--inspect`), over its WebSocket with chrome-remote-interface.
 * Operations use it exactly like a local session. While the target is gone every command fails with
 * 503; the connection is retried every second. The process that answers is checked before anything is
 * sent to it: a different process (a restart, or another app that took the port) is refused unless
 * `followRestarts`.
 */
export class RemoteInspectorTarget implements CdpTarget {
  // A remote process may live in another container or machine: its file system is not assumed to be ours.
  readonly capabilities: TargetCapabilities = { progressEvents: true, sameThread: false, sharedFileSystem: false };
  readonly #options: RemoteTargetOptions;
  readonly #events = new EventEmitter();
  #client: Client | undefined;
  #closed = false;
  #retry: NodeJS.Timeout | undefined;
  #lastError = 'not connected yet';
  #pid: Promise<number> | undefined;
  /** The process this target serves: the first one it reached. */
  #servedPid: number | undefined;
  #refused = false;

  private constructor(options: RemoteTargetOptions) {
    this.#options = options;
    this.#events.setMaxListeners(0);
  }

  /** Connects once (rejecting if the target cannot be reached), then keeps reconnecting as needed. */
  static async connect(options: RemoteTargetOptions): Promise<RemoteInspectorTarget> {
    const target = new RemoteInspectorTarget(options);
    await target.#connect();
    return target;
  }

  get connected(): boolean {
    return this.#client !== undefined;
  }

  async send<T = unknown>(method: string, params?: object): Promise<T> {
    const client = this.#client;
    if (client === undefined) {
      throw targetUnavailable(
        this.#refused
          ? `The target is gone: ${this.#lastError}.`
          : `The target inspector at ${this.#address()} is not reachable (${this.#lastError}); retrying every second.`,
      );
    }
    try {
      return (await client.send(method, params ?? {})) as T;
    } catch (error) {
      if (this.#client !== client) {
        throw targetUnavailable(`The target at ${this.#address()} went away during ${method}.`);
      }
      throw new ProtocolError(method, (error as Error).message);
    }
  }

  /** Asked of the target once per connection. */
  processId(): Promise<number> {
    this.#pid ??= evaluate<number>(this, 'Reading the pid', 'process.pid').catch((error: unknown) => {
      this.#pid = undefined;
      throw error;
    });
    return this.#pid;
  }

  on(event: string, listener: (params: any) => void): void {
    this.#events.on(event, listener);
  }

  off(event: string, listener: (params: any) => void): void {
    this.#events.off(event, listener);
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#retry);
    const client = this.#client;
    this.#client = undefined;
    await client?.close().catch(() => {});
  }

  async #connect(): Promise<void> {
    const client = await CDP({ host: this.#options.host, port: this.#options.port, local: true });
    if (this.#closed) {
      await client.close();
      return;
    }
    // Whose inspector this is, asked before the connection is used: nothing may reach another process.
    const pid = await readPid(client);
    if (this.#closed) {
      await client.close();
      return;
    }
    if (pid !== undefined && this.#servedPid !== undefined && pid !== this.#servedPid && this.#options.followRestarts !== true) {
      await client.close().catch(() => {});
      this.#refused = true;
      this.#lastError = `the inspector at ${this.#address()} now belongs to process ${pid}, not process ${this.#servedPid}, which this sidecar serves; restart the sidecar to serve the new process, or start it with --follow-restarts`;
      this.#options.onStateChange?.('refused', this.#lastError, pid);
      return;
    }
    if (pid !== undefined) this.#servedPid = pid;
    client.on('event', contained('a listener of the target', (message: { method: string; params: unknown }) => this.#events.emit(message.method, message.params)));
    client.once('disconnect', () => {
      if (this.#client !== client) return;
      this.#client = undefined;
      this.#pid = undefined;
      this.#lastError = 'the connection closed';
      // The protocol's own event for a lost session: what was attached through it (worker threads) is gone.
      this.#events.emit('Inspector.detached', { reason: this.#lastError });
      this.#options.onStateChange?.('disconnected', this.#lastError);
      this.#scheduleReconnect();
    });
    this.#client = client;
    if (pid !== undefined) this.#pid = Promise.resolve(pid);
    this.#options.onStateChange?.('connected', this.#address(), pid);
    // Asked now, while the target answers: later its main thread may be stuck outside JavaScript.
    this.processId().catch(() => {});
  }

  #scheduleReconnect(): void {
    if (this.#closed) return;
    this.#retry = setTimeout(contained('the reconnection to the target', () => {
      this.#connect().catch((error: Error) => {
        this.#lastError = error.message;
        this.#scheduleReconnect();
      });
    }), RECONNECT_MS);
  }

  #address(): string {
    return `${this.#options.host}:${this.#options.port}`;
  }
}

/** The pid of the process behind `client`, or undefined when it does not say within PID_TIMEOUT_MS. */
async function readPid(client: Client): Promise<number | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => (timer = setTimeout(resolve, PID_TIMEOUT_MS, undefined)));
  try {
    const reply = client.send('Runtime.evaluate', { expression: 'process.pid', returnByValue: true }) as Promise<{ result?: { value?: unknown } }>;
    const answer = await Promise.race([reply.catch(() => undefined), timeout]);
    const value = answer?.result?.value;
    return typeof value === 'number' ? value : undefined;
  } finally {
    clearTimeout(timer);
  }
}
