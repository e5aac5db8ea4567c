import { releaseMemory, uint32Array } from '../heapsnapshot/array-memory.js';

/**
 * Work arrays handed from one stage of the analysis to the next. The analysis makes almost no JavaScript
 * garbage, so V8 collects rarely, and a typed array a stage drops stays resident until it does: a stage
 * allocating anew while the last one's arrays wait for the collector was the analysis' peak. A stage
 * gives back the arrays it is done with; the next takes one of them (zeroed) instead of a new one.
 * The graph may lend some of its own arrays to the pool for a while (`lend`, `reclaim`), their contents
 * waiting elsewhere.
 */
export class ScratchArrays {
  private readonly free: Uint32Array[] = [];
  private readonly lent = new Set<ArrayBufferLike>();
  /**
   * The entries each buffer was made or lent for: a buffer may be larger (array-memory.ts pads some to 32
   * MiB), and a stage handed the padding would make it resident.
   */
  private readonly usable = new WeakMap<ArrayBufferLike, number>();

  /**
   * `length` zeros: the smallest array given back that is long enough, else a new one (whose pages the
   * system maps only when written: an array written only in part is resident only in part; and whose
   * memory goes back to the system when released: `array-memory.ts`).
   */
  take(length: number): Uint32Array {
    if (length === 0) return new Uint32Array(0);
    let best = -1;
    for (let i = 0; i < this.free.length; i++) {
      const candidate = this.free[i]!.length;
      if (candidate >= length && (best === -1 || candidate < this.free[best]!.length)) best = i;
    }
    if (best === -1) {
      const array = uint32Array(length);
      this.usable.set(array.buffer, length);
      return array;
    }
    const [array] = this.free.splice(best, 1);
    return array!.subarray(0, length).fill(0);
  }

  /** Arrays the caller will not touch again, whole (a part taken is given back with its full length). */
  give(...arrays: Uint32Array[]): void {
    for (const array of arrays) this.free.push(new Uint32Array(array.buffer, 0, this.usable.get(array.buffer) ?? array.buffer.byteLength >>> 2));
  }

  /**
   * Arrays no later stage needs (larger than any will take, say): back to the pool if they were lent to
   * it, else their memory back to the system now.
   */
  release(...arrays: Uint32Array[]): void {
    for (const array of arrays) {
      if (this.lent.has(array.buffer)) this.give(array);
      else releaseMemory(array);
    }
  }

  /** Memory lent to the pool until `reclaim`; what it holds meanwhile is the lender's to keep elsewhere. */
  lend(...arrays: Uint32Array[]): void {
    for (const array of arrays) {
      this.lent.add(array.buffer);
      this.usable.set(array.buffer, array.length);
    }
    this.give(...arrays);
  }

  /** Takes back what was lent: every lent array must have been given back. */
  reclaim(): void {
    const kept = this.free.filter((array) => !this.lent.has(array.buffer));
    if (this.free.length - kept.length !== this.lent.size) throw new Error('an analysis stage kept memory lent to it');
    this.free.splice(0, this.free.length, ...kept);
    this.lent.clear();
  }
}
