/**
 * The snapshot's strings, compact: one UTF-8 buffer and the offset where each string starts. A name costs
 * its bytes plus eight, not a JavaScript string object; `get` decodes one when it is read.
 */
/**
 * How much the buffers grow when full: by a quarter, so that at most a fifth of what is kept after
 * reading is spare room (doubling would leave up to half), for four times the copying, during the read.
 */
const GROWTH = 1.25;

export class StringTable {
  private data = Buffer.allocUnsafe(1 << 20);
  private used = 0;
  private starts = new Float64Array(1 << 14);
  private size = 0;

  get count(): number {
    return this.size;
  }

  /** Bytes held: the memory figure of the table. */
  get byteLength(): number {
    return this.data.length + this.starts.byteLength;
  }

  /** Appends one string given as UTF-8 bytes: `bytes[from..to)`. */
  addBytes(bytes: Uint8Array, from = 0, to = bytes.length): void {
    const length = to - from;
    if (this.used + length > this.data.length) {
      const grown = Buffer.allocUnsafe(Math.max(this.used + length, Math.ceil(this.data.length * GROWTH)));
      this.data.copy(grown, 0, 0, this.used);
      this.data = grown;
    }
    const data = this.data;
    // Most names are short: a loop copies them faster than making a view to copy from.
    if (length <= 64) {
      for (let k = 0, at = this.used; k < length; k++) data[at + k] = bytes[from + k]!;
    } else {
      data.set(bytes.subarray(from, to), this.used);
    }
    this.startNext();
    this.used += length;
  }

  addString(text: string): void {
    this.addBytes(Buffer.from(text, 'utf8'));
  }

  private startNext(): void {
    if (this.size + 1 >= this.starts.length) {
      const grown = new Float64Array(Math.ceil(this.starts.length * GROWTH));
      grown.set(this.starts);
      this.starts = grown;
    }
    this.starts[this.size] = this.used;
    this.size++;
  }

  /** The string at `index`, decoded. */
  get(index: number): string {
    if (index < 0 || index >= this.size) return '';
    const end = index + 1 < this.size ? this.starts[index + 1]! : this.used;
    return this.data.toString('utf8', this.starts[index]!, end);
  }

  /** The first byte of the string at `index` (-1 when it is empty): a cheap test before decoding it. */
  firstByte(index: number): number {
    return this.byteLengthOf(index) === 0 ? -1 : this.data[this.starts[index]!]!;
  }

  /** The UTF-8 length of the string at `index`. */
  byteLengthOf(index: number): number {
    const end = index + 1 < this.size ? this.starts[index + 1]! : this.used;
    return end - this.starts[index]!;
  }

  /**
   * Reading is done. The buffers keep their spare room: copying them to size would, for a moment, hold
   * both, and the peak is what counts.
   */
  trim(): void {
    this.data = this.data.subarray(0, this.used);
  }
}
