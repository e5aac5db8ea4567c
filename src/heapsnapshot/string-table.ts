import { bytesArray, releaseMemory } from './array-memory.js';
import { SealedWorkFile } from './sealed-work-file.js';

/**
 * The snapshot's strings, compact: their UTF-8 bytes one after another in fixed blocks of 4 MiB, where
 * each string starts, in pages of 65,536 offsets, and each string's first byte. A name costs its bytes
 * plus five, not a JavaScript string object; `get` decodes one when it is read.
 *
 * The bytes are out of memory once there is more than a block of them: each full block is written to a
 * private temporary file, encrypted with a key only this process holds (`SealedWorkFile`: the strings are
 * the snapshot's secrets), and its memory reused for the next, and `seal` writes the last one
 * and frees it. The analysis reads few strings (class names, the names on retainer paths, duplicated
 * values) and most of them in ascending order, so `get` reads them back through a window of 64 KiB;
 * the bytes (a sixth of a snapshot's graph) are then never the process's memory. Where no such file can be
 * written, the blocks stay in memory as they are.
 *
 * Nothing is ever copied to grow: a buffer that grows by reallocation holds the old and the new copy at
 * once, which was the reader's peak (a table of 33 MB held 60 MB for a moment). A block is mapped
 * zero-filled by the system (`array-memory.ts`), so the unwritten end of the last one is never touched
 * and costs no resident memory. A string may run across two blocks; `get` then joins its pieces.
 *
 * A page holds its offsets as 32 bits each, relative to where its first string starts (four bytes a
 * string instead of eight: strings are most of a snapshot's entries and the shortest of them have fewer
 * bytes than that); a page whose strings run past 4 GiB holds them in 64 bits.
 */
const BLOCK_BITS = 22;
const BLOCK = 1 << BLOCK_BITS;
const PAGE_BITS = 16;
const PAGE = 1 << PAGE_BITS;
const PAGE_MASK = PAGE - 1;
const MAX_UINT32 = 0xffffffff;
const WINDOW = 1 << 16;

/** Closes the file of a table nobody closed (a graph dropped without being analyzed). */
const unclosed = new FinalizationRegistry<SealedWorkFile>((file) => file.close());

export class StringTable {
  /** In-memory blocks; those before `spilledBlocks` are in the file, at their index times BLOCK. */
  private readonly blocks: Array<Buffer | undefined> = [];
  private spilledBlocks = 0;
  private file: SealedWorkFile | undefined;
  /** False once the file could not be made or written: every block from then on stays in memory. */
  private spilling = true;
  private used = 0;
  /** Each string's start, an offset into the blocks as if they were one buffer, less its page's base. */
  private readonly pages: Array<Uint32Array | Float64Array> = [];
  private readonly firstBytes: Uint8Array[] = [];
  private readonly bases: number[] = [];
  private size = 0;
  private readonly window: { start: number; bytes: Buffer } = { start: 0, bytes: Buffer.alloc(0) };

  get count(): number {
    return this.size;
  }

  /** Bytes held (the strings' and their offsets'), wherever they are: the table's size. */
  get byteLength(): number {
    let offsets = 0;
    for (const page of this.pages) offsets += page.byteLength + PAGE;
    return this.used + offsets;
  }

  /** Appends one string given as UTF-8 bytes: `bytes[from..to)`. */
  addBytes(bytes: Uint8Array, from = 0, to = bytes.length): void {
    if ((this.size & PAGE_MASK) === 0) {
      this.pages.push(new Uint32Array(PAGE));
      this.firstBytes.push(new Uint8Array(PAGE));
      this.bases.push(this.used);
    }
    const pageIndex = this.size >>> PAGE_BITS;
    let page = this.pages[pageIndex]!;
    const relative = this.used - this.bases[pageIndex]!;
    if (relative > MAX_UINT32 && page instanceof Uint32Array) page = this.pages[pageIndex] = Float64Array.from(page);
    page[this.size & PAGE_MASK] = relative;
    if (to > from) this.firstBytes[pageIndex]![this.size & PAGE_MASK] = bytes[from]!;
    this.size++;
    let at = from;
    while (at < to) {
      const offset = this.used % BLOCK;
      if (offset === 0 && this.used / BLOCK === this.blocks.length) this.blocks.push(this.nextBlock());
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

  /**
   * No more strings: when the table spills, its last block goes to the file too and its memory is freed.
   * Reading works before and after.
   */
  seal(): void {
    if (this.spilledBlocks === 0) return;
    const memory = this.spillLastBlock(this.used - this.spilledBlocks * BLOCK);
    if (memory !== undefined) releaseMemory(memory);
  }

  /** Closes the file the bytes went to; the table must not be read after. */
  close(): void {
    if (this.file === undefined) return;
    unclosed.unregister(this);
    this.file.close();
  }

  /** The block for the next bytes: the full one's memory once its bytes are in the file, else a new one. */
  private nextBlock(): Buffer {
    const memory = this.spillLastBlock(BLOCK);
    if (memory !== undefined) return memory;
    return Buffer.from(bytesArray(BLOCK).buffer, 0, BLOCK);
  }

  /**
   * The first `length` bytes of the last block to the file, when every block before it is there: returns
   * that block's memory, now free, or undefined when it stays in memory.
   */
  private spillLastBlock(length: number): Buffer | undefined {
    const last = this.blocks.length - 1;
    if (last < 0 || last !== this.spilledBlocks || !this.trySpill(this.blocks[last]!.subarray(0, length))) return undefined;
    const memory = this.blocks[last]!;
    this.blocks[last] = undefined;
    this.spilledBlocks++;
    return memory;
  }

  private trySpill(bytes: Uint8Array): boolean {
    if (!this.spilling) return false;
    if (this.file === undefined) {
      this.file = SealedWorkFile.open();
      if (this.file === undefined) return (this.spilling = false);
      unclosed.register(this, this.file, this);
    }
    try {
      this.file.writeAt(bytes, this.spilledBlocks * BLOCK);
      return true;
    } catch {
      return (this.spilling = false);
    }
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
    const inMemory = this.blocks[block];
    if (inMemory !== undefined && offset + (end - start) <= BLOCK) return inMemory.toString('utf8', offset, offset + (end - start));
    if (end <= this.spilledBlocks * BLOCK) return this.fromFile(start, end).toString('utf8');
    const pieces: Buffer[] = [];
    for (let at = start; at < end; ) {
      const b = Math.floor(at / BLOCK);
      const o = at - b * BLOCK;
      const length = Math.min(end - at, BLOCK - o);
      const memory = this.blocks[b];
      pieces.push(memory !== undefined ? memory.subarray(o, o + length) : Buffer.from(this.fromFile(at, at + length)));
      at += length;
    }
    return Buffer.concat(pieces).toString('utf8');
  }

  /**
   * Bytes in the file, through the window, which moves to `start` when it does not hold them (a string
   * longer than the window is read on its own). Valid until the next read.
   */
  private fromFile(start: number, end: number): Buffer {
    const file = this.file!;
    const window = this.window;
    // The file is read from 16-byte boundaries, where its encryption's blocks start.
    const aligned = start - (start % 16);
    if (end - aligned > WINDOW) return file.readAt(end - aligned, aligned).subarray(start - aligned);
    if (start < window.start || end > window.start + window.bytes.length) {
      releaseMemory(window.bytes);
      window.bytes = file.readAt(Math.min(WINDOW, this.spilledBlocks * BLOCK - aligned), aligned);
      window.start = aligned;
    }
    return window.bytes.subarray(start - window.start, end - window.start);
  }

  /** The first byte of the string at `index` (-1 when it is empty): a cheap test before decoding it. */
  firstByte(index: number): number {
    if (this.end(index) === this.start(index)) return -1;
    return this.firstBytes[index >>> PAGE_BITS]![index & PAGE_MASK]!;
  }

  /** The UTF-8 length of the string at `index`. */
  byteLengthOf(index: number): number {
    return this.end(index) - this.start(index);
  }
}
