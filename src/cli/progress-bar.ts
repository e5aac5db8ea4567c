/** Where progress goes: stderr, or any stream that says whether it is a terminal. */
export interface ProgressStream {
  isTTY?: boolean;
  write(text: string): unknown;
}

/**
 * A download's status line on a terminal, redrawn at most ten times a second: the bytes written to the
 * file (after decompression) and, when the transfer was compressed, the bytes received, with the rate
 * and elapsed time. Silent while running when stderr is not a terminal, so logs and pipes stay clean;
 * the summary line is written either way.
 */
export class ProgressBar {
  readonly #stream: ProgressStream;
  readonly #enabled: boolean;
  readonly #started = Date.now();
  readonly #label: string;
  #fileBytes = 0;
  #wireBytes = 0;
  #compressed = false;
  #lastDraw = 0;

  constructor(label: string, stream: ProgressStream = process.stderr) {
    this.#stream = stream;
    this.#enabled = stream.isTTY === true;
    this.#label = label;
  }

  /** Bytes received from the endpoint, before decompression. */
  received(bytes: number, compressed: boolean): void {
    this.#wireBytes += bytes;
    this.#compressed ||= compressed;
    this.#draw();
  }

  /** Bytes written to the file. */
  written(bytes: number): void {
    this.#fileBytes += bytes;
    this.#draw();
  }

  get fileBytes(): number {
    return this.#fileBytes;
  }

  get wireBytes(): number {
    return this.#wireBytes;
  }

  /** The byte counts in words: `12.0 MiB` or `12.0 MiB (3.1 MiB transferred, gzip)`. */
  describeBytes(): string {
    return this.#compressed ? `${formatBytes(this.#fileBytes)} (${formatBytes(this.#wireBytes)} transferred, gzip)` : formatBytes(this.#fileBytes);
  }

  done(summary: string): void {
    this.#stream.write(this.#enabled ? `\r\x1b[K${summary}\n` : `${summary}\n`);
  }

  #draw(): void {
    if (!this.#enabled) return;
    const now = Date.now();
    if (now - this.#lastDraw < 100) return;
    this.#lastDraw = now;
    const seconds = (now - this.#started) / 1000;
    const rate = seconds > 0 ? this.#fileBytes / seconds : 0;
    this.#stream.write(`\r\x1b[K${this.#label}  ${this.describeBytes()}  ${formatBytes(rate)}/s  ${seconds.toFixed(1)} s`);
  }
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}
