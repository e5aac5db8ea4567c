import { contained } from '../contained.js';
import { collectOwnThreadGarbage } from '../operations/garbage-collection.js';

/** From listening to the collection: the start-up's last lazy work (first timers, first probe reads) is done by then. */
const AFTER_LISTENING_MS = 2_000;

/**
 * One full, compacting garbage collection of this thread's own heap, once, shortly after the server listens.
 * Loading the endpoint's modules leaves garbage and half-empty pages in the thread's old space, which V8 keeps
 * committed until its memory reducer runs, many minutes later in a thread that idles: about 4 MiB of an idle
 * server's resident memory. The session is this thread's own, so the app's thread is never paused by it; the
 * server's thread pauses a few milliseconds, before any request is likely.
 */
export function collectStartUpGarbage(): void {
  setTimeout(
    contained('the server thread start-up collection', () => void collectOwnThreadGarbage()),
    AFTER_LISTENING_MS,
  ).unref();
}
