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

  constructor(destination: number | string) {
    this.#logger = pino(
      {
        name: 'maintenance-endpoint',
        base: null,
        timestamp: pino.stdTimeFunctions.isoTime,
        formatters: { level: (label) => ({ level: label }) },
      },
      pino.destination({ dest: destination, sync: true, mkdir: true }),
    );
  }

  request(entry: AuditEntry): void {
    this.#logger.info({ audit: true, ...entry }, 'request');
  }

  /** Something the endpoint did on its own that an operator may want to know (a scheduled dump is ready). */
  info(message: string, details: Record<string, unknown> = {}): void {
    this.#logger.info(details, message);
  }

  warn(message: string, details: Record<string, unknown> = {}): void {
    this.#logger.warn(details, message);
  }

  error(message: string, details: Record<string, unknown> = {}): void {
    this.#logger.error(details, message);
  }

  flush(): void {
    this.#logger.flush();
  }
}
