import { EventEmitter } from 'node:events';
import CDP, { type Client } from 'chrome-remote-interface';
import { ProtocolError, targetUnavailable } from '../errors.js';
import { evaluate } from './protocol.js';
import type { CdpTarget, TargetCapabilities } from './target.js';
import { contained } from '../contained.js';

export interface RemoteTargetOptions {
  host: string;
  port: number;
  /** Called when the connection is lost or regained, for the log. */
  onStateChange?: (state: 'connected' | 'disconnected', detail: string) => void;
}

const RECONNECT_MS = 1000;

/**
 * Another Node process's inspector (`--inspect`), over its WebSocket with chrome-remote-interface.
 * Operations use it exactly like a local session. While the target is gone every command fails with
 * 503; the connection is retried every second, so a restarted target is picked up again.
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
      throw targetUnavailable(`The target inspector at ${this.#address()} is not reachable (${this.#lastError}); retrying every second.`);
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
    this.#options.onStateChange?.('connected', this.#address());
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
