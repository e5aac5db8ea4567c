import type { ProgressStream } from './progress-bar.js';

/**
 * The wait for a timed operation (a CPU or heap profile, leak sampling), which sends nothing until it
 * ends: on a terminal, one line redrawn every quarter second with the time left (or elapsed, when the
 * duration is the endpoint's default); elsewhere one plain line when it starts, so a log says what the
 * pause was.
 */
export class ProgressLine {
  readonly #stream: ProgressStream;
  readonly #label: string;
  readonly #seconds: number | undefined;
  readonly #started: number;
  readonly #now: () => number;
  #timer: NodeJS.Timeout | undefined;

  constructor(label: string, seconds: number | undefined, options: { stream?: ProgressStream; now?: () => number; intervalMs?: number } = {}) {
    this.#stream = options.stream ?? process.stderr;
    this.#label = label;
    this.#seconds = seconds;
    this.#now = options.now ?? Date.now;
    this.#started = this.#now();
    if (this.#stream.isTTY === true) {
      this.#draw();
      this.#timer = setInterval(() => this.#draw(), options.intervalMs ?? 250);
      this.#timer.unref();
    } else {
      this.#stream.write(`${this.#label}${this.#seconds === undefined ? '' : ` for ${this.#seconds} s`}...\n`);
    }
  }

  /** The text the terminal line shows now. */
  text(): string {
    const elapsed = (this.#now() - this.#started) / 1000;
    if (this.#seconds === undefined) return `${this.#label}: ${elapsed.toFixed(0)} s elapsed`;
    const left = Math.max(0, this.#seconds - elapsed);
    return left > 0 ? `${this.#label}: ${left.toFixed(0)} s left of ${this.#seconds} s` : `${this.#label}: finishing (${elapsed.toFixed(0)} s)`;
  }

  /** Stops redrawing and clears the line, so what follows starts clean. */
  stop(): void {
    if (this.#timer === undefined) return;
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#stream.write('\r\x1b[K');
  }

  #draw(): void {
    this.#stream.write(`\r\x1b[K${this.text()}`);
  }
}
