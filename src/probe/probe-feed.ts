import type { GcEvent, ProbeReader } from './probe-reader.js';
import { contained } from '../contained.js';

export type GcEventListener = (events: readonly GcEvent[], missed: number) => void;

/**
 * Drains the probe's GC ring on the serving thread, once a second and on demand, and hands the new
 * events to every listener (the leak detector, the GC duration histogram). Each server keeps its own
 * cursor, so two servers in one process both see every event.
 */
export class ProbeFeed {
  readonly #reader: ProbeReader;
  readonly #listeners: GcEventListener[] = [];
  readonly #timer: NodeJS.Timeout;
  #cursor = 0;

  constructor(reader: ProbeReader, intervalMs = 1000) {
    this.#reader = reader;
    this.#timer = setInterval(contained('the GC feed', () => this.drain()), intervalMs).unref();
  }

  onEvents(listener: GcEventListener): void {
    this.#listeners.push(listener);
  }

  drain(): void {
    const { events, cursor, missed } = this.#reader.gcEventsSince(this.#cursor);
    this.#cursor = cursor;
    if (events.length === 0 && missed === 0) return;
    // One listener failing (the leak detector...) must not starve the others, nor throw into the app.
    for (const listener of this.#listeners) contained('a GC listener', listener)(events, missed);
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}
