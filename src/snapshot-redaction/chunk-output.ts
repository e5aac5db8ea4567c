/**
 * The bytes to pass on for one input chunk: views of the chunk as long as nothing in it is replaced
 * (the graph's sections pass without a copy), then one buffer the rest is written into, so a chunk of
 * `strings` costs one allocation rather than one per redacted string.
 */
/** Up to this many bytes, a copy is a loop rather than a view and a native call. */
const SHORT_COPY = 64;

export class ChunkOutput {
  private views: Buffer[] = [];
  private buffer: Buffer | undefined;
  /** Bytes written into `buffer`. */
  length = 0;
  private sizeHint = 0;

  /** Starts the output of a chunk of `inputLength` bytes. */
  begin(inputLength: number): void {
    this.views = [];
    this.buffer = undefined;
    this.length = 0;
    this.sizeHint = inputLength;
  }

  /** Bytes `chunk[from..to)` of the input chunk itself: kept as a view while nothing was written. */
  pass(chunk: Buffer, from: number, to: number): void {
    if (to <= from) return;
    if (this.buffer === undefined) this.views.push(chunk.subarray(from, to));
    else this.copy(chunk, from, to);
  }

  /** Bytes `source[from..to)` copied into the output: the chunk's own after a replacement, or a held string. */
  copy(source: Uint8Array, from: number, to: number): void {
    if (to <= from) return;
    const target = this.reserve(to - from);
    let at = this.length;
    if (to - from <= SHORT_COPY) {
      // Most copies are a short string between two replacements: a view to copy from would cost more than the bytes.
      for (let i = from; i < to; i++) target[at++] = source[i]!;
    } else {
      target.set(from === 0 && to === source.length ? source : source.subarray(from, to), at);
      at += to - from;
    }
    this.length = at;
  }

  /** One byte of its own (a quote). */
  byte(value: number): void {
    this.reserve(1)[this.length++] = value;
  }

  /**
   * Room for `needed` more bytes: returns the buffer to write them into from `length` on; `advanceTo`
   * then says where the writing ended. (A replacement is written in place, never made as a string first.)
   */
  reserve(needed: number): Buffer {
    this.room(needed);
    return this.buffer!;
  }

  advanceTo(length: number): void {
    this.length = length;
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
