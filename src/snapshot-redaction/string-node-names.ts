/**
 * The string-table index of each string node's text, found by the node's position: what an edge's
 * `to_node` needs to say which string it points at. Only string nodes are kept (one bit per node says
 * which nodes they are, one word per 32 nodes counts them), four bytes each; other nodes cost two bits.
 */
export class StringNodeNames {
  private isString = new Uint32Array(1024);
  /** The number of string nodes before each block of 32 nodes. */
  private before = new Uint32Array(1024);
  private names = new Uint32Array(1024);
  private count = 0;
  private nodes = 0;

  /** Called for every node, in order; `name` is kept when it is a string node. */
  add(isStringNode: boolean, name: number): void {
    const node = this.nodes++;
    const block = node >>> 5;
    if (block >= this.isString.length) {
      this.isString = grow(this.isString, block + 1);
      this.before = grow(this.before, block + 1);
    }
    if ((node & 31) === 0) this.before[block] = this.count;
    if (!isStringNode) return;
    this.isString[block]! |= 1 << (node & 31);
    if (this.count === this.names.length) this.names = grow(this.names, this.count + 1);
    this.names[this.count++] = name;
  }

  /** The text's index of node number `node` when it is a string node, else -1. */
  nameOf(node: number): number {
    if (node >= this.nodes) return -1;
    const block = node >>> 5;
    const bit = 1 << (node & 31);
    const word = this.isString[block]!;
    if ((word & bit) === 0) return -1;
    return this.names[this.before[block]! + popcount(word & (bit - 1))]!;
  }

  get byteLength(): number {
    return this.isString.byteLength + this.before.byteLength + this.names.byteLength;
  }
}

function grow(array: Uint32Array<ArrayBuffer>, needed: number): Uint32Array<ArrayBuffer> {
  const grown = new Uint32Array(Math.max(needed, array.length * 2));
  grown.set(array);
  return grown;
}

function popcount(value: number): number {
  let v = value - ((value >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return ((((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24);
}
