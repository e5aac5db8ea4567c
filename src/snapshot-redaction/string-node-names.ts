/**
 * The string-table index of each string node's text, found by the node's position: what an edge's
 * `to_node` needs to say which string it points at. Only string nodes are kept (one bit per node says
 * which nodes they are, one word per 32 nodes counts them), four bytes each; other nodes cost two bits
 * and no work as they stream by: the counts are made once all nodes are in (`seal`), before the first
 * edge, which is when they are first asked for.
 */
export class StringNodeNames {
  private isString = new Uint32Array(1024);
  /** The number of string nodes before each block of 32 nodes; made by `seal`. */
  private before = new Uint32Array(0);
  private names = new Uint32Array(1024);
  private count = 0;
  private nodes = 0;
  private sealed = false;

  /** Node number `node` is a string node whose text is `name`. Called in node order, before `seal`. */
  add(node: number, name: number): void {
    const block = node >>> 5;
    if (block >= this.isString.length) this.isString = grow(this.isString, block + 1);
    this.isString[block]! |= 1 << (node & 31);
    if (this.count === this.names.length) this.names = grow(this.names, this.count + 1);
    this.names[this.count++] = name;
  }

  /** There are `nodes` nodes in all: `nameOf` may be asked from now on. */
  seal(nodes: number): void {
    if (this.sealed) return;
    this.sealed = true;
    this.nodes = nodes;
    const blocks = (nodes + 31) >>> 5;
    if (blocks > this.isString.length) this.isString = grow(this.isString, blocks);
    this.before = new Uint32Array(blocks);
    let count = 0;
    for (let block = 0; block < blocks; block++) {
      this.before[block] = count;
      count += popcount(this.isString[block]!);
    }
  }

  /** The text's index of node number `node` when it is a string node, else -1 (after `seal`). */
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
