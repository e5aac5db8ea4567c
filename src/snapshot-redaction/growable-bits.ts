/** A bitset over indices that grows as higher indices are marked: the marks of the redaction are a few bits per string. */
export class GrowableBits {
  private words = new Uint32Array(1024);

  set(index: number): void {
    const word = index >>> 5;
    if (word >= this.words.length) {
      const grown = new Uint32Array(Math.max(word + 1, this.words.length * 2));
      grown.set(this.words);
      this.words = grown;
    }
    this.words[word]! |= 1 << (index & 31);
  }

  has(index: number): boolean {
    const word = index >>> 5;
    return word < this.words.length && (this.words[word]! & (1 << (index & 31))) !== 0;
  }

  /** Bytes held, for the memory accounting of the bench. */
  get byteLength(): number {
    return this.words.byteLength;
  }
}
