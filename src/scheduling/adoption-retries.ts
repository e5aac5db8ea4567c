/**
 * How often a snapshot that could not be adopted is tried again. A failure can pass (the file was
 * being renamed, a disk was briefly full) or last (EPERM on another user's file): the delay doubles
 * after each failure, from one scan to the next up to a minute, and after `maxAttempts` the file is
 * given up, so one bad file costs a few warnings in all, not one every second forever.
 */
export class AdoptionRetries {
  readonly #failures = new Map<string, { count: number; nextAt: number }>();
  readonly #maxAttempts: number;
  readonly #firstDelayMs: number;

  constructor({ maxAttempts = 5, firstDelayMs = 2000 }: { maxAttempts?: number; firstDelayMs?: number } = {}) {
    this.#maxAttempts = maxAttempts;
    this.#firstDelayMs = firstDelayMs;
  }

  /** Whether the file may be tried now: never after it was given up, not before its delay ran out. */
  mayTry(name: string, now = Date.now()): boolean {
    const failure = this.#failures.get(name);
    return failure === undefined || (failure.count < this.#maxAttempts && now >= failure.nextAt);
  }

  /** Records a failure: the first is worth a warning, and so is the one that makes the file given up. */
  failed(name: string, now = Date.now()): 'first' | 'given-up' | 'again' {
    const count = (this.#failures.get(name)?.count ?? 0) + 1;
    const delay = Math.min(60_000, this.#firstDelayMs * 2 ** (count - 1));
    this.#failures.set(name, { count, nextAt: now + delay });
    if (count >= this.#maxAttempts) return 'given-up';
    return count === 1 ? 'first' : 'again';
  }

  succeeded(name: string): void {
    this.#failures.delete(name);
  }

  /** The names not to look at now, for a scan that skips what it is told. */
  skipped(now = Date.now()): string[] {
    return [...this.#failures.keys()].filter((name) => !this.mayTry(name, now));
  }
}
