import type { HeapGraph } from '../heapsnapshot/heap-graph.js';
import type { GraphKinds } from './graph-kinds.js';
import { ScratchArrays } from './scratch-arrays.js';

export interface ClassIndex {
  /** Each node's class, an index into `names`. */
  classOf: Uint32Array;
  names: string[];
}

/**
 * Each node's class as DevTools' Summary names it (`calculateObjectNames`): an object or native node
 * by its constructor name (an HTML-like name `<div id=...>` cut to `<div>`), a closure `Function`, a
 * regexp `RegExp`, code `(compiled code)`, hidden internals `(system)`, anything else `(type)`:
 * `(string)`, `(array)`, `(concatenated string)`... Plain objects stay `Object`: DevTools' newer naming
 * of them by their property names (`{a, b}`) is not followed.
 */
export function classNames(graph: HeapGraph, kinds: GraphKinds, scratch = new ScratchArrays(), into?: Uint32Array): ClassIndex {
  const { nodeCount, nodeType, nodeName, strings } = graph;
  const names: string[] = [];
  const interned = new Map<string, number>();
  const intern = (name: string): number => {
    let index = interned.get(name);
    if (index === undefined) {
      index = names.length;
      names.push(name);
      interned.set(name, index);
    }
    return index;
  };
  const byType = graph.layout.nodeTypes.map((type, number) => {
    if (number === kinds.hidden) return intern('(system)');
    if (number === kinds.code) return intern('(compiled code)');
    if (number === kinds.closure) return intern('Function');
    if (number === kinds.regexp) return intern('RegExp');
    return intern(`(${type})`);
  });
  // Object and native nodes are named by their name string: decoded once per distinct string. Each entry
  // is its class + 1, 0 until decided: left as allocated, only the entries of names in use are written.
  const byName = new Uint32Array(strings.count);
  // `into` may be the graph's own node names: each is read before its entry is written.
  const classOf = into === undefined ? scratch.take(nodeCount) : into.subarray(0, nodeCount);
  for (let n = 0; n < nodeCount; n++) {
    const type = nodeType[n]!;
    if (type !== kinds.object && type !== kinds.native) {
      classOf[n] = byType[type]!;
      continue;
    }
    const name = nodeName[n]!;
    let index = byName[name]! - 1;
    if (index === -1) {
      index = intern(constructorName(strings.get(name)));
      byName[name] = index + 1;
    }
    classOf[n] = index;
  }
  return { classOf, names };
}

function constructorName(name: string): string {
  const start = name.startsWith('<') ? 0 : name.startsWith('Detached <') ? 9 : -1;
  if (start === -1) return name;
  const space = name.indexOf(' ', start + 1);
  return space === -1 ? name : `${name.slice(0, space)}>`;
}
