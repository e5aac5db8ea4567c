/**
 * One status line on a terminal (bytes, rate, elapsed), redrawn at most ten times a second; silent
 * when stderr is not a terminal, so logs and pipes stay clean.
 */
export class ProgressBar {
  readonly #enabled: boolean;
  readonly #started = Date.now();
  #bytes = 0;
  #lastDraw = 0;
  #label: string;

  constructor(label: string, stream: NodeJS.WriteStream = process.stderr) {
    this.#enabled = stream.isTTY === true;
    this.#label = label;
  }

  set label(label: string) {
    this.#label = label;
    this.#draw(true);
  }

  add(bytes: number): void {
    this.#bytes += bytes;
    this.#draw(false);
  }

  done(summary: string): void {
    if (this.#enabled) process.stderr.write(`\r\x1b[K${summary}\n`);
  }

  #draw(force: boolean): void {
    if (!this.#enabled) return;
    const now = Date.now();
    if (!force && now - this.#lastDraw < 100) return;
    this.#lastDraw = now;
    const seconds = (now - this.#started) / 1000;
    const rate = seconds > 0 ? this.#bytes / seconds : 0;
    process.stderr.write(`\r\x1b[K${this.#label}  ${formatBytes(this.#bytes)}  ${formatBytes(rate)}/s  ${seconds.toFixed(1)} s`);
  }
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}
