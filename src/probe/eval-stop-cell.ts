/**
 * The global of the app's main thread through which an evaluation learns that it must stop: an
 * Int32Array over shared memory, not enumerable, read by the checks the endpoint adds to the evaluated
 * code (operations/eval/memory-stop-checks.ts) and written by the memory watch on another thread. A plain
 * property read of a typed array is one of the few things V8's side-effect check lets a read-only
 * evaluation do with outside state; a Symbol key (Symbol.for) or Atomics.load is refused.
 */
export const EVAL_STOP_GLOBAL = '__maintenanceEndpointEvalStop';

/** The cell's slots: the id of the evaluation asked to stop (0: none), and the one the checks write to stop. */
export const EVAL_STOP_SLOT = { requested: 0, reached: 1 } as const;

/**
 * On the app's main thread: the stop cell's memory, made at the first call and kept for the life of
 * the process (8 bytes). Every copy of the package loaded in the process shares it; evaluations are
 * told apart by their random id.
 */
export function mainThreadEvalStopCell(): SharedArrayBuffer {
  const existing: unknown = (globalThis as Record<string, unknown>)[EVAL_STOP_GLOBAL];
  if (existing instanceof Int32Array && existing.buffer instanceof SharedArrayBuffer) return existing.buffer;
  const cell = new Int32Array(new SharedArrayBuffer(2 * Int32Array.BYTES_PER_ELEMENT));
  Object.defineProperty(globalThis, EVAL_STOP_GLOBAL, { value: cell, enumerable: false, writable: false, configurable: false });
  return cell.buffer as SharedArrayBuffer;
}
