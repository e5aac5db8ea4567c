export interface DominatedNodes {
  /** The nodes `n` immediately dominates are `nodes[first[n]..first[n+1]]`. */
  first: Uint32Array;
  nodes: Uint32Array;
}

/**
 * The dominator tree's children lists, from each node's immediate dominator, written into `first` (count
 * + 1 entries, zeros) and `nodes` (count - 1 entries at least): the dominator computation hands over
 * arrays it is done with.
 */
export function dominatedNodes(dominator: Uint32Array, root: number, into: Uint32Array, nodeList: Uint32Array): DominatedNodes {
  const count = dominator.length;
  const first = into.subarray(0, count + 1);
  for (let n = 0; n < count; n++) if (n !== root) first[dominator[n]!]!++;
  // Counts summed into where each list ends, then filled backwards: each end moves back to its start.
  for (let n = 1; n <= count; n++) first[n] = first[n]! + first[n - 1]!;
  const nodes = nodeList.subarray(0, Math.max(0, count - 1));
  for (let n = count - 1; n >= 0; n--) if (n !== root) nodes[--first[dominator[n]!]!] = n;
  return { first, nodes };
}
