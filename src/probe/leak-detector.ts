import type { GcEvent } from './probe-reader.js';
import { judgeFullGcFloors, shouldConfirmAutomatically, type FullGcPoint, type LeakVerdict } from './leak-rules.js';

export type { LeakVerdict, LeakVerdictKind, LeakEvidence, FullGcPoint, RuledOut } from './leak-rules.js';

export interface LeakVerdictOptions {
  /** How far back the verdict looks, in seconds. */
  windowSeconds: number;
  /** Two full GCs forced a known interval apart (`?confirm=1`): heap after each. */
  confirmation?: { first: FullGcPoint; second: FullGcPoint; pauseMs: [number, number] };
}

/** Most full-GC points kept: the oldest go first. */
const MAX_POINTS = 5_000;
const MAX_OLD_GENERATION_POINTS = 50_000;

/**
 * Keeps what the leak verdict rests on: the heap left after each full (mark-compact) GC. Scavenges
 * are counted but not judged: they leave promoted garbage in the old generation, so a process that
 * keeps nothing shows a rising post-scavenge heap until its next full GC.
 */
export class LeakDetector {
  readonly #startedAt: () => number;
  readonly #fullGcs: FullGcPoint[] = [];
  /** The old generation after every GC, scavenges too: without full GCs it bounds what can have been kept. */
  readonly #oldGeneration: Array<{ time: number; bytes: number }> = [];
  #gcCount = 0;
  #missed = 0;
  #lastAutomaticAt: number | undefined;

  /** `startedAt`: when the probe started watching (ms since epoch). */
  constructor(startedAt: () => number) {
    this.#startedAt = startedAt;
  }

  /** Takes GC events from the probe feed; `missed` counts events the ring lost before they were read. */
  add(events: readonly GcEvent[], missed: number): void {
    this.#missed += missed;
    this.#gcCount += events.length;
    for (const event of events) {
      this.#oldGeneration.push({ time: event.time, bytes: event.oldGenerationAfter });
      if (event.kind !== 'major') continue;
      this.#fullGcs.push({ time: event.time, heapAfter: event.heapAfter, oldGenerationAfter: event.oldGenerationAfter });
    }
    if (this.#fullGcs.length > MAX_POINTS) this.#fullGcs.splice(0, this.#fullGcs.length - MAX_POINTS);
    if (this.#oldGeneration.length > MAX_OLD_GENERATION_POINTS) this.#oldGeneration.splice(0, this.#oldGeneration.length - MAX_OLD_GENERATION_POINTS);
  }

  /**
   * Floors the endpoint forced itself (confirm=1, or unasked): they join V8's own, so later verdicts
   * rest on them too. The probe's feed sees the same GCs; floors this close merge into one.
   */
  addForcedFloors(points: readonly FullGcPoint[]): void {
    this.#fullGcs.push(...points);
    this.#fullGcs.sort((a, b) => a.time - b.time);
  }

  /** An unasked pair starts now: the next waits its turn even if this one is abandoned half-way. */
  noteAutomaticConfirmation(now = Date.now()): void {
    this.#lastAutomaticAt = now;
  }

  /** Whether the endpoint should force a pair of full GCs now to decide `verdict` (see leak-rules.ts). */
  automaticConfirmationDue(options: LeakVerdictOptions, verdict: LeakVerdict, now = Date.now()): boolean {
    return shouldConfirmAutomatically({
      verdict,
      windowStart: this.#windowStart(options, now),
      firstFloorAt: this.#fullGcs.find((point) => point.time >= this.#windowStart(options, now))?.time,
      now,
      lastAutomaticAt: this.#lastAutomaticAt,
      heapBytes: Math.max(this.#fullGcs.at(-1)?.heapAfter ?? 0, this.#oldGeneration.at(-1)?.bytes ?? 0),
    });
  }

  #windowStart(options: LeakVerdictOptions, now: number): number {
    return Math.max(now - options.windowSeconds * 1000, this.#startedAt());
  }

  verdict(options: LeakVerdictOptions, now = Date.now()): LeakVerdict {
    const windowStart = this.#windowStart(options, now);
    return judgeFullGcFloors({
      points: this.#fullGcs.filter((point) => point.time >= windowStart),
      oldGeneration: this.#oldGeneration.filter((point) => point.time >= windowStart),
      windowStart,
      now,
      windowSeconds: options.windowSeconds,
      missedGcEvents: this.#missed,
      gcCount: this.#gcCount,
      confirmation: options.confirmation,
    });
  }
}
