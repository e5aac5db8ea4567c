import type { LeakDetector, LeakVerdict } from '../probe/leak-detector.js';
import type { CdpTarget } from '../targets/target.js';
import { confirmLeak, type LeakConfirmation } from './leak-confirmation.js';
import type { OperationRegistry } from './operation-registry.js';

export interface LeakVerdictRequest {
  target: CdpTarget;
  leaks: LeakDetector;
  operations: OperationRegistry;
  windowSeconds: number;
  /** Two full GCs the caller asked for (confirm=1), already taken. */
  confirmation?: LeakConfirmation | undefined;
  /**
   * Whether this caller may have the endpoint force a pair of full GCs when V8's own are too far apart:
   * it pauses the app, so it takes the same scope as asking for it (confirm=1).
   */
  mayForceGcs: boolean;
  /** Reads the probe's newest GC events into the detector. */
  drain: () => void;
  signal?: AbortSignal;
}

/**
 * The leak verdict for a caller: from V8's own full GCs, and, when those are too far apart to decide
 * and the heap is small, from a pair the endpoint forces itself (rules in src/probe/leak-rules.ts).
 * The pair is skipped, never waited for, when another GC or heavy operation holds the GC slot.
 */
export async function leakVerdict(request: LeakVerdictRequest): Promise<LeakVerdict> {
  const { leaks, confirmation } = request;
  const options = { windowSeconds: request.windowSeconds };
  request.drain();
  if (confirmation !== undefined) {
    const verdict = leaks.verdict({ ...options, confirmation });
    leaks.addForcedFloors([confirmation.first, confirmation.second]);
    return verdict;
  }
  const passive = leaks.verdict(options);
  if (!request.mayForceGcs || !leaks.automaticConfirmationDue(options, passive)) return passive;
  let slot;
  try {
    slot = request.operations.begin('gc', 10_000);
  } catch {
    return passive;
  }
  leaks.noteAutomaticConfirmation();
  let pair: LeakConfirmation;
  try {
    slot.update({ phase: 'automatic leak confirmation' });
    pair = await confirmLeak(request.target, { ...(request.signal ? { signal: request.signal } : {}) });
  } catch {
    return passive;
  } finally {
    slot.end();
  }
  leaks.addForcedFloors([pair.first, pair.second]);
  request.drain();
  return {
    ...leaks.verdict(options),
    automaticConfirmation: {
      intervalSeconds: Math.round((pair.second.time - pair.first.time) / 100) / 10,
      heapAfterFirst: pair.first.heapAfter,
      heapAfterSecond: pair.second.heapAfter,
      growthBytes: pair.second.heapAfter - pair.first.heapAfter,
      pauseMs: pair.pauseMs,
    },
  };
}
