import { closeSync } from 'node:fs';
import { pino, type Logger } from 'pino';

export interface AuditEntry {
  tokenId: string | null;
  client: string | undefined;
  method: string;
  path: string;
  status: number;
  bytes: number;
  durationMs: number;
  completed: boolean;
  params?: Record<string, unknown>;
  result?: Record<string, unknown>;
}

/**
 * The audit log: one JSON line per request, plus the endpoint's own warnings. It writes synchronously
 * to a descriptor or file it owns, so in a worker it never waits on the main thread's loop (a worker's
 * console is relayed through the main thread and would stall exactly when the app is stuck), and a
 * line is on its way to the kernel before the response completes.
 */
export class AuditLogger {
  readonly #logger: Logger;
  readonly #destination: ReturnType<typeof pino.destination>;
  /** A path was given, so the descriptor is this logger's to close; a given descriptor is the caller's. */
  readonly #ownsDescriptor: boolean;
  #closed = false;

  constructor(destination: number | string) {
    this.#ownsDescriptor = typeof destination === 'string';
    this.#destination = pino.destination({ dest: destination, sync: true, mkdir: true });
    this.#logger = pino(
      {
        name: 'maintenance-endpoint',
        base: null,
        timestamp: pino.stdTimeFunctions.isoTime,
        formatters: { level: (label) => ({ level: label }) },
      },
      this.#destination,
    );
  }

  /**
   * Flushes, and closes the file it opened (a descriptor it was given stays open). Lines after this,
   * such as those of connections cut during shutdown, are dropped.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#destination.flushSync();
    // Closed here and now: sonic-boom's own close is asynchronous, and a worker about to stop would not
    // see it through (its descriptors are not tracked, so nothing else would close this one).
    if (this.#ownsDescriptor) closeSync((this.#destination as unknown as { fd: number }).fd);
  }

  request(entry: AuditEntry): void {
    if (this.#closed) return;
    this.#logger.info({ audit: true, ...entry }, 'request');
  }

  /**
   * A heavy operation is about to start: who asked, for what, and what it is expected to cost. Written
   * (synchronously, like every line) before the work begins, so a process killed mid-way still leaves
   * a record of who asked; the request's own line follows when it ends.
   */
  started(details: Record<string, unknown>): void {
    if (this.#closed) return;
    this.#logger.info({ audit: true, event: 'started', ...details }, 'operation started');
  }

  /** Something the endpoint did on its own that an operator may want to know (a scheduled dump is ready). */
  info(message: string, details: Record<string, unknown> = {}): void {
    if (this.#closed) return;
    this.#logger.info(details, message);
  }

  warn(message: string, details: Record<string, unknown> = {}): void {
    if (this.#closed) return;
    this.#logger.warn(details, message);
  }

  error(message: string, details: Record<string, unknown> = {}): void {
    if (this.#closed) return;
    this.#logger.error(details, message);
  }

  flush(): void {
    if (this.#closed) return;
    this.#logger.flush();
  }
}
