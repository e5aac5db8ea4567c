import { evaluate } from '../targets/protocol.js';
import type { CdpTarget } from '../targets/target.js';

/**
 * When the connected target process started, for an endpoint outside it (a sidecar), where its pid
 * cannot be asked of this kernel's pid namespace. An armed near-heap-limit job belongs to the life of
 * the target it was armed in: while the target that answers started before the job was armed, that
 * process still runs and the job stays armed; a target that started after it is a new life (the armed
 * one died, a restarted container is pid 1 again). No answer (disconnected, or busy writing the
 * snapshot, which blocks its main thread) decides nothing.
 */
export class TargetStartWatch {
  readonly #target: CdpTarget;
  #asking = false;
  #startedAt: number | undefined;

  constructor(target: CdpTarget) {
    this.#target = target;
  }

  /** The last answer, and asks again in the background; one question at a time, however slow. */
  latest(): number | undefined {
    if (!this.#asking) {
      this.#asking = true;
      evaluate<number>(this.#target, 'Reading the start time', 'Date.now() - process.uptime() * 1000')
        .then(
          (startedAt) => void (this.#startedAt = typeof startedAt === 'number' ? startedAt : undefined),
          () => void (this.#startedAt = undefined),
        )
        .finally(() => (this.#asking = false));
    }
    return this.#startedAt;
  }
}

/** Clocks of two containers on one node agree, but a job's time is kept to the millisecond only. */
const MARGIN_MS = 1000;

/** Whether the target that answers is a later life than the one a job was armed in at `armedAt`. */
export function startedAfter(targetStartedAt: number | undefined, armedAt: number): boolean {
  return targetStartedAt !== undefined && targetStartedAt > armedAt + MARGIN_MS;
}
