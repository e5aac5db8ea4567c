import type { RunningOperation } from './operation-registry.js';

/** The steps of one piece of work that holds a process-wide slot; each path gives its own. */
export interface SlotSequence<T> {
  /** Takes the slot: at once (409 when taken) or after a wait; undefined when this work takes none. */
  take(): RunningOperation | undefined | Promise<RunningOperation | undefined>;
  /** Checks made with the slot held and before the work (a heap snapshot's memory): facts, or a MaintenanceError to refuse. */
  admit?(operation: RunningOperation | undefined): Promise<Record<string, unknown> | undefined>;
  /** Told once admitted, before the work starts: the audit line's `started` entry. */
  started?(admission: Record<string, unknown> | undefined, operation: RunningOperation | undefined): void;
  /** The work itself: an artifact produced into its sink, or a route's handler. */
  produce(operation: RunningOperation | undefined): Promise<T>;
}

/**
 * Take the slot, admit, produce, release: the one sequence every artifact path runs (a direct download
 * or upload through the dispatcher, a scheduled dump or a rule's action through the scheduler), so
 * none can forget to release its slot or skip the admission. The slot is released when the work ends,
 * however it ends.
 */
export async function inSlot<T>(steps: SlotSequence<T>): Promise<T> {
  const operation = await steps.take();
  try {
    const admission = await steps.admit?.(operation);
    // What admission found shows with the operation in the index while it runs.
    if (admission !== undefined) operation?.update({ estimateBytes: Number(admission.estimateBytes ?? 0) });
    steps.started?.(admission, operation);
    return await steps.produce(operation);
  } finally {
    operation?.end();
  }
}
