import { closeSync, mkdirSync, openSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import type { Logger, pino as Pino } from 'pino';
import { RefusalTally } from './refusal-tally.js';
import { contained, reportContained } from '../contained.js';

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

/** What a log that cannot be written (a full disk) may hold back for a later write; past it, lines are dropped. */
const MAX_UNWRITTEN_BYTES = 1024 * 1024;

/** How often the counts of refused requests are written. */
const REFUSAL_INTERVAL_MS = 60_000;

/**
 * The audit log: one JSON line per request (refusals of unauthenticated or rate-limited requests are
 * counted instead, see RefusalTally, so no flood can fill the disk), plus the endpoint's own warnings. It writes synchronously
 * to a descriptor or file it owns, so in a worker it never waits on the main thread's loop (a worker's
 * console is relayed through the main thread and would stall exactly when the app is stuck), and a
 * line is on its way to the kernel before the response completes.
 */
export class AuditLogger {
  readonly #fd: number;
  /** Built at the first line: pino and its dependencies are about 40 modules that an endpoint nobody calls never needs. */
  #log: { logger: Logger; destination: ReturnType<typeof Pino.destination> } | undefined;
  /** A path was given, so the descriptor is this logger's to close; a given descriptor is the caller's. */
  readonly #ownsDescriptor: boolean;
  #closed = false;
  readonly #refusals = new RefusalTally();
  readonly #refusalTimer: NodeJS.Timeout;

  constructor(destination: number | string, { refusalIntervalMs = REFUSAL_INTERVAL_MS }: { refusalIntervalMs?: number } = {}) {
    this.#ownsDescriptor = typeof destination === 'string';
    // A file we create is the owner's alone (0600): it names clients, tokens' ids and what they did.
    // Opened now, so a log that cannot be opened refuses the start.
    this.#fd = typeof destination === 'string' ? openPrivately(destination) : destination;
    this.#refusalTimer = setInterval(contained('the audit log', () => this.#writeRefusals()), refusalIntervalMs).unref();
  }

  /**
   * The logger, built at the first line. Loading pino reads its files: should that fail (EMFILE while the app
   * is out of descriptors), the line is lost and said so, and the next line tries again; nothing throws.
   */
  #logger(): Logger | undefined {
    if (this.#log !== undefined) return this.#log.logger;
    try {
      // Loaded synchronously, so the line is written before the call returns (see the class's comment).
      const { pino } = createRequire(import.meta.url)('pino') as { pino: typeof Pino };
      const destination = pino.destination({ fd: this.#fd, sync: true, maxLength: MAX_UNWRITTEN_BYTES });
      // A failed write (ENOSPC, EIO) is emitted as 'error', which would throw from whatever logged the line,
      // a response's close listener or a timer: the request and the app go on. The line waits, tried again
      // with the next one, up to maxLength; past that new lines are dropped rather than held in memory.
      destination.on('error', (error: Error) => reportContained('the audit log', error));
      const logger = pino(
        {
          name: 'maintenance-endpoint',
          base: null,
          timestamp: pino.stdTimeFunctions.isoTime,
          formatters: { level: (label) => ({ level: label }) },
        },
        destination,
      );
      this.#log = { logger, destination };
      return logger;
    } catch (error) {
      reportContained('the audit log', error);
      return undefined;
    }
  }

  /**
   * Flushes, and closes the file it opened (a descriptor it was given stays open). Lines after this,
   * such as those of connections cut during shutdown, are dropped.
   */
  close(): void {
    if (this.#closed) return;
    this.#writeRefusals();
    clearInterval(this.#refusalTimer);
    this.#closed = true;
    this.#log?.destination.flushSync();
    // Closed here and now: sonic-boom's own close is asynchronous, and a worker about to stop would not
    // see it through (its descriptors are not tracked, so nothing else would close this one).
    if (this.#ownsDescriptor) closeSync(this.#fd);
  }

  request(entry: AuditEntry): void {
    if (this.#closed) return;
    const refused = entry.tokenId === null || entry.status === 429;
    if (refused && !this.#refusals.add({ client: entry.client, status: entry.status })) return;
    this.#logger()?.info({ audit: true, ...entry }, 'request');
  }

  #writeRefusals(): void {
    if (this.#closed) return;
    for (const summary of this.#refusals.drain()) this.#logger()?.warn({ audit: true, ...summary }, 'refused requests');
  }

  /**
   * A heavy operation is about to start: who asked, for what, and what it is expected to cost. Written
   * (synchronously, like every line) before the work begins, so a process killed mid-way still leaves
   * a record of who asked; the request's own line follows when it ends.
   */
  started(details: Record<string, unknown>): void {
    if (this.#closed) return;
    this.#logger()?.info({ audit: true, event: 'started', ...details }, 'operation started');
  }

  /** Something the endpoint did on its own that an operator may want to know (a scheduled dump is ready). */
  info(message: string, details: Record<string, unknown> = {}): void {
    if (this.#closed) return;
    this.#logger()?.info(details, message);
  }

  warn(message: string, details: Record<string, unknown> = {}): void {
    if (this.#closed) return;
    this.#logger()?.warn(details, message);
  }

  error(message: string, details: Record<string, unknown> = {}): void {
    if (this.#closed) return;
    this.#logger()?.error(details, message);
  }

  flush(): void {
    if (this.#closed) return;
    this.#writeRefusals();
    this.#log?.logger.flush();
  }
}

function openPrivately(path: string): number {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  return openSync(path, 'a', 0o600);
}
