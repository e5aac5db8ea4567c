/**
 * A bound on long-lived streams: each open stream holds a slot until it closes, so a page left open in
 * many tabs, or a client that opens streams in a loop, costs a fixed amount at most.
 */
export class StreamSlots {
  #open = 0;

  constructor(readonly limit: number) {}

  get open(): number {
    return this.#open;
  }

  /** A release function for a new slot, or undefined when all are taken. Releasing twice is harmless. */
  tryAcquire(): (() => void) | undefined {
    if (this.#open >= this.limit) return undefined;
    this.#open += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#open -= 1;
    };
  }
}
