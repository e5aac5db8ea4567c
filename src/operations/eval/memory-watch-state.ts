/** What the memory watch's thread is started with (plain data: it crosses into the thread). */
export interface MemoryWatchData {
  /** The stop cell of the app's main thread (probe/eval-stop-cell.ts). */
  cell: SharedArrayBuffer;
  /** The watch's own flags and figures: an Int32 at 0 (done), Float64s from byte 8. */
  control: SharedArrayBuffer;
  id: number;
  budgetBytes: number;
  pollMs: number;
  /** When the thread gives up watching on its own, should nobody tell it the evaluation is over. */
  maxMs: number;
}

/** The control buffer's slots: the Int32 `done` flag, and the Float64 figures after it. */
export const WATCH_SLOT = { done: 0, stoppedAtBytes: 0, peakBytes: 1 } as const;
export const CONTROL_BYTES = 8 + 3 * Float64Array.BYTES_PER_ELEMENT;
