/**
 * First, do no harm: a timer or listener of the endpoint runs on the app's thread in router mode, and
 * an error thrown there (EMFILE from `process.memoryUsage.rss()` while the app has no descriptor left,
 * ENOSPC from a log write) would be an uncaught exception that ends the app. Every callback the endpoint
 * hands to a timer or an event emitter goes through `contained`: an error degrades that feature, is
 * reported as a process warning at most once a minute per feature, and never reaches the app.
 */

const WARNING_INTERVAL_MS = 60_000;
const lastWarned = new Map<string, number>();

/** Reports an error of ours that was contained; quiet for a minute after each report of `what`. */
export function reportContained(what: string, error: unknown): void {
  const now = Date.now();
  if (now - (lastWarned.get(what) ?? -Infinity) < WARNING_INTERVAL_MS) return;
  lastWarned.set(what, now);
  try {
    const reason = error instanceof Error ? error.message : String(error);
    process.emitWarning(`maintenance-endpoint: ${what} failed and was skipped: ${reason}`, 'MaintenanceEndpointWarning');
  } catch {
    // Even the warning failed (stderr gone): the feature stays degraded, the app untouched.
  }
}

/** `callback`, made safe to hand to a timer or an emitter: what it throws, or a promise it returns rejects with, is contained. */
export function contained<A extends unknown[]>(what: string, callback: (...args: A) => unknown): (...args: A) => void {
  return (...args: A) => runContained(what, callback, ...args);
}

/** Runs `callback` now, containing what it throws or its promise rejects with (no wrapper made per call). */
export function runContained<A extends unknown[]>(what: string, callback: (...args: A) => unknown, ...args: A): void {
  try {
    const result = callback(...args);
    if (result instanceof Promise) result.catch((error: unknown) => reportContained(what, error));
  } catch (error) {
    reportContained(what, error);
  }
}
