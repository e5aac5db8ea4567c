import type { HeapGraph } from '../heapsnapshot/heap-graph.js';
import type { GraphKinds } from './graph-kinds.js';
import { ScratchArrays } from './scratch-arrays.js';

export interface DuplicateString {
  /** The value's start, at most 80 characters, as JSON would quote it. */
  preview: string;
  /** How many string objects hold this value. */
  count: number;
  /** The bytes all copies but one take. */
  wastedBytes: number;
  /** The value's length in UTF-8 bytes, as the snapshot holds it. */
  length: number;
}

const PREVIEW = 80;

/**
 * Equal string values held by more than one string object. V8 writes each distinct text once in
 * `strings`, so equal values share a name index; the self size is part of the key too, since V8 cuts
 * long values in the snapshot and two long strings with one start are not equal. Only flat strings
 * (type `string`) are counted: a concatenated or sliced string's own size is not its text's.
 */
export function duplicateStrings(graph: HeapGraph, kinds: GraphKinds, top: number, scratch = new ScratchArrays()): DuplicateString[] {
  const { nodeCount, nodeType, nodeName, nodeSelfSize, strings } = graph;
  const perName = scratch.take(strings.count);
  for (let n = 0; n < nodeCount; n++) if (nodeType[n] === kinds.string) perName[nodeName[n]!]!++;
  const groups = new Map<string, { name: number; count: number; total: number; largest: number }>();
  for (let n = 0; n < nodeCount; n++) {
    if (nodeType[n] !== kinds.string) continue;
    const name = nodeName[n]!;
    if (perName[name]! < 2) continue;
    const size = nodeSelfSize[n]!;
    const key = `${name}:${size}`;
    const group = groups.get(key);
    if (group === undefined) groups.set(key, { name, count: 1, total: size, largest: size });
    else {
      group.count++;
      group.total += size;
      group.largest = Math.max(group.largest, size);
    }
  }
  scratch.give(perName);
  return [...groups.values()]
    .filter((group) => group.count > 1)
    .map((group) => {
      const text = strings.get(group.name);
      return {
        preview: JSON.stringify(text.length > PREVIEW ? `${text.slice(0, PREVIEW)}…` : text),
        count: group.count,
        wastedBytes: group.total - group.largest,
        length: strings.byteLengthOf(group.name),
      };
    })
    .sort((a, b) => b.wastedBytes - a.wastedBytes || b.count - a.count)
    .slice(0, top);
}
