/**
 * The bytes to pass on for one input chunk: views of the chunk as long as nothing in it is replaced
 * (the graph's sections pass without a copy), then one buffer the rest is written into, so a chunk of
 * `strings` costs one allocation rather than one per redacted string.
 */
export class ChunkOutput {
  private views: Buffer[] = [];
  private buffer: Buffer | undefined;
  private length = 0;
  private sizeHint = 0;

  /** Starts the output of a chunk of `inputLength` bytes. */
  begin(inputLength: number): void {
    this.views = [];
    this.buffer = undefined;
    this.length = 0;
    this.sizeHint = inputLength;
  }

  /** Bytes of the input chunk itself: kept as a view while nothing was written. */
  pass(view: Buffer): void {
    if (view.length === 0) return;
    if (this.buffer === undefined) this.views.push(view);
    else this.copy(view);
  }

  /** Bytes that are not the chunk's own (a replacement, a held string). */
  copy(bytes: Uint8Array): void {
    this.room(bytes.length);
    this.buffer!.set(bytes, this.length);
    this.length += bytes.length;
  }

  /** Latin-1 text, for the ASCII of a replacement. */
  text(value: string): void {
    this.room(value.length);
    this.length += this.buffer!.write(value, this.length, 'latin1');
  }

  /** What the chunk gives, in order. */
  finish(): Buffer[] {
    const out = this.buffer === undefined ? this.views : [this.buffer.subarray(0, this.length)];
    this.views = [];
    this.buffer = undefined;
    return out;
  }

  private room(needed: number): void {
    if (this.buffer === undefined) {
      const viewed = this.views.reduce((sum, view) => sum + view.length, 0);
      this.buffer = Buffer.allocUnsafe(Math.max(this.sizeHint * 2, viewed + needed, 4096));
      for (const view of this.views) {
        view.copy(this.buffer, this.length);
        this.length += view.length;
      }
      this.views = [];
    }
    if (this.length + needed > this.buffer.length) {
      const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.length + needed));
      this.buffer.copy(grown, 0, 0, this.length);
      this.buffer = grown;
    }
  }
}
