import type { DominatorTree } from './dominators.js';

export interface DominatedNodes {
  /** The nodes `n` immediately dominates are `nodes[first[n]..first[n+1]]`. */
  first: Uint32Array;
  nodes: Uint32Array;
}

/** The dominator tree's children lists, for walks down the tree. */
export function dominatedNodes(tree: DominatorTree, root: number): DominatedNodes {
  const { dominator } = tree;
  const count = dominator.length;
  const first = new Uint32Array(count + 1);
  for (let n = 0; n < count; n++) if (n !== root) first[dominator[n]!]!++;
  // Counts summed into where each list ends, then filled backwards: each end moves back to its start.
  for (let n = 1; n <= count; n++) first[n] = first[n]! + first[n - 1]!;
  const nodes = new Uint32Array(Math.max(0, count - 1));
  for (let n = count - 1; n >= 0; n--) if (n !== root) nodes[--first[dominator[n]!]!] = n;
  return { first, nodes };
}
