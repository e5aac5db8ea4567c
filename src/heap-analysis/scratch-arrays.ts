/**
 * Work arrays handed from one stage of the analysis to the next. The analysis makes almost no JavaScript
 * garbage, so V8 collects rarely, and a typed array a stage drops stays resident until it does: a stage
 * allocating anew while the last one's arrays wait for the collector was the analysis' peak. A stage
 * gives back the arrays it is done with; the next takes one of them (zeroed) instead of a new one.
 */
export class ScratchArrays {
  private readonly free: Uint32Array[] = [];

  /**
   * `length` zeros: the smallest array given back that is long enough, else a new one (whose pages the
   * system maps only when written: an array written only in part is resident only in part).
   */
  take(length: number): Uint32Array {
    if (length === 0) return new Uint32Array(0);
    let best = -1;
    for (let i = 0; i < this.free.length; i++) {
      const candidate = this.free[i]!.length;
      if (candidate >= length && (best === -1 || candidate < this.free[best]!.length)) best = i;
    }
    if (best === -1) return new Uint32Array(length);
    const [array] = this.free.splice(best, 1);
    return array!.subarray(0, length).fill(0);
  }

  /** Arrays the caller will not touch again, whole (a part taken is given back with its full length). */
  give(...arrays: Uint32Array[]): void {
    for (const array of arrays) this.free.push(new Uint32Array(array.buffer, 0, array.buffer.byteLength >>> 2));
  }
}
