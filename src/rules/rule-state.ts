import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileDurably } from '../scheduling/stored-dump-records.js';

/** What a rule has done: its firings within its limit's window, and the dumps it took. */
export interface RuleRecord {
  /** When it fired, ms since the epoch, oldest first; only those within the rule's window are kept. */
  firedAt: number[];
  /** Every firing, since the store was made. */
  total: number;
  /** The dumps of its latest firings, newest last (ids in the dump store). */
  artifacts: string[];
  /** Stretches of its condition its limit or cooldown held back since this process started. */
  suppressed: number;
}

const FILE = 'rules-state.json';
const ARTIFACTS_KEPT = 20;

/**
 * The rules' firing state. In a persistent store (`storeDir`) it is a file of the store, rewritten
 * atomically at each firing, so a limit of once an hour holds across restarts; otherwise it lives and
 * dies with the process, as the store does. Its name is none of the store's own, so the store's start
 * leaves it alone.
 */
export class RuleStateStore {
  readonly #path: string | undefined;
  readonly #records = new Map<string, RuleRecord>();

  readonly #onError: (what: 'read' | 'write', error: Error) => void;

  /** `onError`: the saved state could not be read (the rules start afresh) or written (it holds in memory). */
  constructor(directory: string | undefined, onError: (what: 'read' | 'write', error: Error) => void) {
    this.#onError = onError;
    this.#path = directory === undefined ? undefined : join(directory, FILE);
    if (this.#path === undefined) return;
    try {
      const saved = JSON.parse(readFileSync(this.#path, 'utf8')) as { version?: number; rules?: Record<string, Partial<RuleRecord>> };
      for (const [name, record] of Object.entries(saved.version === 1 ? (saved.rules ?? {}) : {})) {
        if (!Array.isArray(record.firedAt) || !record.firedAt.every((time) => typeof time === 'number')) continue;
        this.#records.set(name, {
          firedAt: record.firedAt,
          total: typeof record.total === 'number' ? record.total : record.firedAt.length,
          artifacts: Array.isArray(record.artifacts) ? record.artifacts.filter((id) => typeof id === 'string') : [],
          suppressed: 0,
        });
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') onError('read', error as Error);
    }
  }

  get(name: string): RuleRecord {
    let record = this.#records.get(name);
    if (record === undefined) {
      record = { firedAt: [], total: 0, artifacts: [], suppressed: 0 };
      this.#records.set(name, record);
    }
    return record;
  }

  /** Records a firing and its dumps; persisted (where the store is) before the caller goes on. */
  fired(name: string, at: number, windowMs: number, artifacts: readonly string[]): void {
    const record = this.get(name);
    record.firedAt = [...record.firedAt.filter((time) => time > at - windowMs), at];
    record.total += 1;
    record.artifacts = [...record.artifacts, ...artifacts].slice(-ARTIFACTS_KEPT);
    this.#save();
  }

  #save(): void {
    if (this.#path === undefined) return;
    const rules = Object.fromEntries([...this.#records].map(([name, { firedAt, total, artifacts }]) => [name, { firedAt, total, artifacts }]));
    try {
      writeFileDurably(this.#path, JSON.stringify({ version: 1, rules }));
    } catch (error) {
      // A full disk must not stop the rules: the firing holds in memory, and the next one writes again.
      this.#onError('write', error as Error);
    }
  }
}
