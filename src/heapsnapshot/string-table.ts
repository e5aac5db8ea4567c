/**
 * The snapshot's strings, compact: their UTF-8 bytes one after another in fixed blocks of 16 MiB, and
 * where each string starts, in pages of 65,536 offsets. A name costs its bytes plus eight, not a
 * JavaScript string object; `get` decodes one when it is read.
 *
 * Nothing is ever copied to grow: a buffer that grows by reallocation holds the old and the new copy at
 * once, which was the reader's peak (a table of 33 MB held 60 MB for a moment). A block is allocated
 * uninitialized, so the unwritten end of the last one is never touched and costs no resident memory.
 * A string may run across two blocks; `get` then joins its pieces.
 *
 * A page holds its offsets as 32 bits each, relative to where its first string starts (four bytes a
 * string instead of eight: strings are most of a snapshot's entries and the shortest of them have fewer
 * bytes than that); a page whose strings run past 4 GiB holds them in 64 bits.
 */
const BLOCK_BITS = 24;
const BLOCK = 1 << BLOCK_BITS;
const PAGE_BITS = 16;
const PAGE = 1 << PAGE_BITS;
const PAGE_MASK = PAGE - 1;
const MAX_UINT32 = 0xffffffff;

export class StringTable {
  private readonly blocks: Buffer[] = [];
  private used = 0;
  /** Each string's start, an offset into the blocks as if they were one buffer, less its page's base. */
  private readonly pages: Array<Uint32Array | Float64Array> = [];
  private readonly bases: number[] = [];
  private size = 0;

  get count(): number {
    return this.size;
  }

  /** Bytes held (the strings' and their offsets'): the memory figure of the table. */
  get byteLength(): number {
    let offsets = 0;
    for (const page of this.pages) offsets += page.byteLength;
    return this.used + offsets;
  }

  /** Appends one string given as UTF-8 bytes: `bytes[from..to)`. */
  addBytes(bytes: Uint8Array, from = 0, to = bytes.length): void {
    if ((this.size & PAGE_MASK) === 0) {
      this.pages.push(new Uint32Array(PAGE));
      this.bases.push(this.used);
    }
    const pageIndex = this.size >>> PAGE_BITS;
    let page = this.pages[pageIndex]!;
    const relative = this.used - this.bases[pageIndex]!;
    if (relative > MAX_UINT32 && page instanceof Uint32Array) page = this.pages[pageIndex] = Float64Array.from(page);
    page[this.size & PAGE_MASK] = relative;
    this.size++;
    let at = from;
    while (at < to) {
      const offset = this.used % BLOCK;
      if (offset === 0 && this.used / BLOCK === this.blocks.length) this.blocks.push(Buffer.allocUnsafe(BLOCK));
      const block = this.blocks[this.blocks.length - 1]!;
      const length = Math.min(to - at, BLOCK - offset);
      // Most names are short: a loop copies them faster than making a view to copy from.
      if (length <= 64) {
        for (let k = 0; k < length; k++) block[offset + k] = bytes[at + k]!;
      } else {
        block.set(bytes.subarray(at, at + length), offset);
      }
      at += length;
      this.used += length;
    }
  }

  addString(text: string): void {
    this.addBytes(Buffer.from(text, 'utf8'));
  }

  private start(index: number): number {
    const pageIndex = index >>> PAGE_BITS;
    return this.bases[pageIndex]! + this.pages[pageIndex]![index & PAGE_MASK]!;
  }

  private end(index: number): number {
    return index + 1 < this.size ? this.start(index + 1) : this.used;
  }

  /** The string at `index`, decoded. */
  get(index: number): string {
    if (index < 0 || index >= this.size) return '';
    const start = this.start(index);
    const end = this.end(index);
    const block = Math.floor(start / BLOCK);
    const offset = start - block * BLOCK;
    if (offset + (end - start) <= BLOCK) return this.blocks[block]!.toString('utf8', offset, offset + (end - start));
    const pieces: Buffer[] = [];
    for (let at = start; at < end; ) {
      const b = Math.floor(at / BLOCK);
      const o = at - b * BLOCK;
      const length = Math.min(end - at, BLOCK - o);
      pieces.push(this.blocks[b]!.subarray(o, o + length));
      at += length;
    }
    return Buffer.concat(pieces).toString('utf8');
  }

  /** The first byte of the string at `index` (-1 when it is empty): a cheap test before decoding it. */
  firstByte(index: number): number {
    const start = this.start(index);
    if (this.end(index) === start) return -1;
    const block = Math.floor(start / BLOCK);
    return this.blocks[block]![start - block * BLOCK]!;
  }

  /** The UTF-8 length of the string at `index`. */
  byteLengthOf(index: number): number {
    return this.end(index) - this.start(index);
  }
}
