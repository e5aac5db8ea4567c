import { readFileSync } from 'node:fs';

/**
 * An independent reading of a heap snapshot for the analyzer's tests: the whole file through JSON.parse,
 * plain arrays, DevTools' rules written out again, and dominators by a second algorithm (Cooper, Harvey
 * and Kennedy's iterative one over a reverse post-order, not Lengauer-Tarjan). Slow and memory-hungry by
 * design: it is only run on the tests' small snapshots.
 */
export interface Reference {
  strings: string[];
  nodeCount: number;
  ids: number[];
  /** Each node's name, an index into `strings`. */
  nameIndex: number[];
  /** DevTools' class of each node. */
  className: string[];
  /** Self sizes after DevTools' attribution of owned internals. */
  selfSize: number[];
  retained: number[];
  /** Per class: count and self size of objects of non-zero size, retained size by DevTools' rule. */
  classes: Map<string, { count: number; selfSize: number; retainedSize: number }>;
}

interface RawSnapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]]; edge_fields: string[]; edge_types: [string[], ...unknown[]] } };
  nodes: number[];
  edges: number[];
  strings: string[];
}

export function referenceAnalysis(file: string): Reference {
  const raw = JSON.parse(readFileSync(file, 'utf8')) as RawSnapshot;
  const meta = raw.snapshot.meta;
  const nodeWidth = meta.node_fields.length;
  const edgeWidth = meta.edge_fields.length;
  const nodeCount = raw.nodes.length / nodeWidth;
  const field = (n: number, name: string) => raw.nodes[n * nodeWidth + meta.node_fields.indexOf(name)]!;
  const nodeTypes = meta.node_types[meta.node_fields.indexOf('type')] as string[];
  const edgeTypes = meta.edge_types[meta.edge_fields.indexOf('type')] as string[];
  const type = (n: number) => nodeTypes[field(n, 'type')]!;
  const name = (n: number) => raw.strings[field(n, 'name')]!;

  interface Edge {
    from: number;
    to: number;
    type: string;
    name: string;
  }
  const out: Edge[][] = [];
  const into: Edge[][] = Array.from({ length: nodeCount }, () => []);
  let cursor = 0;
  for (let n = 0; n < nodeCount; n++) {
    const list: Edge[] = [];
    for (let k = 0; k < field(n, 'edge_count'); k++, cursor++) {
      const base = cursor * edgeWidth;
      const edgeType = edgeTypes[raw.edges[base + meta.edge_fields.indexOf('type')]!]!;
      const nameOrIndex = raw.edges[base + meta.edge_fields.indexOf('name_or_index')]!;
      const edge = { from: n, to: raw.edges[base + meta.edge_fields.indexOf('to_node')]! / nodeWidth, type: edgeType, name: edgeType === 'element' || edgeType === 'hidden' ? String(nameOrIndex) : raw.strings[nameOrIndex]! };
      list.push(edge);
      into[edge.to]!.push(edge);
    }
    out.push(list);
  }
  const ROOT = 0;

  // Self sizes: internals reachable from one owner only are charged to it (when the root has user roots).
  const selfSize = Array.from({ length: nodeCount }, (_, n) => field(n, 'self_size'));
  const userRoots = out[ROOT]!.filter((edge) => type(edge.to) !== 'synthetic').map((edge) => edge.to);
  if (userRoots.length > 0) {
    const owner: Array<number | 'none' | 'many'> = Array.from({ length: nodeCount }, (_, n) => (type(n) === 'hidden' || type(n) === 'array' ? 'none' : n));
    const work = [...owner.keys()].filter((n) => owner[n] === n);
    while (work.length > 0) {
      const n = work.pop()!;
      for (const edge of out[n]!) {
        if (edge.type === 'weak') continue;
        const current = owner[edge.to]!;
        if (current === 'none') {
          owner[edge.to] = owner[n]!;
          work.push(edge.to);
        } else if (current !== edge.to && current !== owner[n] && current !== 'many') {
          owner[edge.to] = 'many';
          work.push(edge.to);
        }
      }
    }
    owner.forEach((o, n) => {
      if (typeof o !== 'number' || o === n || o === ROOT || type(o) === 'synthetic') return;
      selfSize[o] = selfSize[o]! + selfSize[n]!;
      selfSize[n] = 0;
    });
  }

  // Which edges retain.
  const onPage = new Set<number>();
  const pending = out[ROOT]!.filter((edge) => edge.type === 'shortcut' || (edge.type === 'element' && type(edge.to) === 'synthetic' && name(edge.to) === '(Document DOM trees)')).map((edge) => edge.to);
  pending.forEach((n) => onPage.add(n));
  while (pending.length > 0) {
    for (const edge of out[pending.pop()!]!) {
      if (edge.type !== 'weak' && !onPage.has(edge.to)) {
        onPage.add(edge.to);
        pending.push(edge.to);
      }
    }
  }
  const retains = (edge: Edge): boolean => {
    if (edge.type === 'weak' || edge.from === edge.to) return false;
    const weakMapValue = /^\d+ \/ part of key \(.*? @\d+\) -> value \(.*? @\d+\) pair in WeakMap \(table @(\d+)\)$/.exec(edge.name);
    if (edge.type === 'internal' && weakMapValue !== null && Number(weakMapValue[1]) === field(edge.from, 'id')) return false;
    if (edge.from !== ROOT && (edge.type === 'shortcut' || (onPage.has(edge.to) && !onPage.has(edge.from)))) return false;
    return true;
  };

  // The graph dominators are computed on: retaining edges, plus the root's hold on what nothing reaches
  // (DevTools: first what only weak edges reach, searched from; then whatever is left, one by one).
  const successors: number[][] = out.map((edges) => edges.filter(retains).map((edge) => edge.to));
  const predecessors: number[][] = Array.from({ length: nodeCount }, () => []);
  successors.forEach((list, n) => list.forEach((to) => predecessors[to]!.push(n)));
  const postorder: number[] = [];
  const visited = new Uint8Array(nodeCount);
  const search = (start: number) => {
    const stack: Array<[number, number]> = [[start, 0]];
    visited[start] = 1;
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const next = successors[top[0]]![top[1]++];
      if (next === undefined) {
        postorder.push(top[0]);
        stack.pop();
      } else if (visited[next] === 0) {
        visited[next] = 1;
        stack.push([next, 0]);
      }
    }
  };
  search(ROOT);
  const hangOnRoot = (n: number) => {
    successors[ROOT]!.push(n);
    predecessors[n]!.push(ROOT);
  };
  for (let n = 0; n < nodeCount; n++) {
    if (visited[n] === 0 && into[n]!.every((edge) => !retains(edge))) {
      hangOnRoot(n);
      search(n);
    }
  }
  for (let n = 0; n < nodeCount; n++) {
    if (visited[n] === 0) {
      hangOnRoot(n);
      search(n);
    }
  }
  // The root was finished first: put it last, as the top of the post-order.
  postorder.splice(postorder.indexOf(ROOT), 1);
  postorder.push(ROOT);
  const number = new Int32Array(nodeCount);
  postorder.forEach((n, index) => (number[n] = index));
  const idom = new Int32Array(nodeCount).fill(-1);
  idom[ROOT] = ROOT;
  const intersect = (a: number, b: number): number => {
    while (a !== b) {
      while (number[a]! < number[b]!) a = idom[a]!;
      while (number[b]! < number[a]!) b = idom[b]!;
    }
    return a;
  };
  for (let changed = true; changed; ) {
    changed = false;
    for (let index = postorder.length - 2; index >= 0; index--) {
      const n = postorder[index]!;
      let chosen = -1;
      for (const p of predecessors[n]!) {
        if (idom[p] === -1) continue;
        chosen = chosen === -1 ? p : intersect(p, chosen);
      }
      if (chosen !== -1 && idom[n] !== chosen) {
        idom[n] = chosen;
        changed = true;
      }
    }
  }
  const retained = [...selfSize];
  for (const n of postorder) if (n !== ROOT) retained[idom[n]!] = retained[idom[n]!]! + retained[n]!;

  const className = Array.from({ length: nodeCount }, (_, n) => {
    switch (type(n)) {
      case 'hidden':
        return '(system)';
      case 'code':
        return '(compiled code)';
      case 'closure':
        return 'Function';
      case 'regexp':
        return 'RegExp';
      case 'object':
      case 'native': {
        const raw = name(n);
        const cut = raw.startsWith('<') ? raw.indexOf(' ') : raw.startsWith('Detached <') ? raw.indexOf(' ', 10) : -1;
        return cut === -1 ? raw : `${raw.slice(0, cut)}>`;
      }
      default:
        return `(${type(n)})`;
    }
  });

  // Per class: objects of non-zero size; retained over those with no same-class dominator.
  const classes = new Map<string, { count: number; selfSize: number; retainedSize: number }>();
  const children: number[][] = Array.from({ length: nodeCount }, () => []);
  for (let n = 0; n < nodeCount; n++) if (n !== ROOT) children[idom[n]!]!.push(n);
  const walk: Array<{ node: number; open: Set<string> }> = [{ node: ROOT, open: new Set() }];
  while (walk.length > 0) {
    const { node, open } = walk.pop()!;
    let inside = open;
    if (selfSize[node]! > 0) {
      const entry = classes.get(className[node]!) ?? { count: 0, selfSize: 0, retainedSize: 0 };
      entry.count++;
      entry.selfSize += selfSize[node]!;
      if (!open.has(className[node]!)) {
        entry.retainedSize += retained[node]!;
        inside = new Set(open).add(className[node]!);
      }
      classes.set(className[node]!, entry);
    }
    for (const child of children[node]!) walk.push({ node: child, open: inside });
  }

  const ids = Array.from({ length: nodeCount }, (_, n) => field(n, 'id'));
  const nameIndex = Array.from({ length: nodeCount }, (_, n) => field(n, 'name'));
  return { strings: raw.strings, nodeCount, ids, nameIndex, className, selfSize, retained, classes };
}
