import { setTimeout as delay } from 'node:timers/promises';

/** Waits `ms`; resolves false at once if `signal` aborts first (the client went away), true otherwise. */
export async function waitUnlessAborted(ms: number, signal?: AbortSignal): Promise<boolean> {
  try {
    await delay(ms, undefined, signal ? { signal } : {});
    return true;
  } catch (error) {
    if (signal?.aborted) return false;
    throw error;
  }
}
