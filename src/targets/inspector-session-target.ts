import { Session } from 'node:inspector';
import { ProtocolError } from '../errors.js';
import type { CdpTarget, TargetCapabilities } from './target.js';
import { contained } from '../contained.js';

/** A `node:inspector` Session, either connected to this thread or, from a worker, to the main thread. */
export class InspectorSessionTarget implements CdpTarget {
  readonly capabilities: TargetCapabilities;
  readonly #session: Session;
  readonly #listeners = new Map<(params: any) => void, (message: { params: unknown }) => void>();

  private constructor(session: Session, capabilities: TargetCapabilities) {
    this.#session = session;
    this.capabilities = capabilities;
  }

  /** A session on the calling thread: events arrive synchronously and progress must not be requested. */
  static sameThread(): InspectorSessionTarget {
    const session = new Session();
    session.connect();
    return new InspectorSessionTarget(session, { progressEvents: false, sameThread: true, sharedFileSystem: true });
  }

  /** From a worker thread: a session on the main thread, served by V8 interrupts even when its loop is blocked. */
  static mainThread(): InspectorSessionTarget {
    const session = new Session();
    session.connectToMainThread();
    return new InspectorSessionTarget(session, { progressEvents: true, sameThread: false, sharedFileSystem: true });
  }

  send<T = unknown>(method: string, params?: object): Promise<T> {
    return new Promise((resolve, reject) => {
      try {
        this.#session.post(method, params ?? {}, (error, result) => {
          if (error) reject(new ProtocolError(method, error.message));
          else resolve(result as T);
        });
      } catch (error) {
        reject(new ProtocolError(method, (error as Error).message));
      }
    });
  }

  on(event: string, listener: (params: any) => void): void {
    // Dispatched by the inspector, on the app's thread in router mode: a listener's error must not escape there.
    const wrapped = contained(`a listener of ${event}`, (message: { params: unknown }) => listener(message.params));
    this.#listeners.set(listener, wrapped);
    this.#session.on(event, wrapped);
  }

  off(event: string, listener: (params: any) => void): void {
    const wrapped = this.#listeners.get(listener);
    if (wrapped === undefined) return;
    this.#listeners.delete(listener);
    this.#session.off(event, wrapped);
  }

  async processId(): Promise<number> {
    return process.pid;
  }

  async close(): Promise<void> {
    this.#session.disconnect();
  }
}
