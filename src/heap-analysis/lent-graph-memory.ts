import { closeSync, mkdtempSync, openSync, readSync, rmdirSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HeapGraph } from '../heapsnapshot/heap-graph.js';

/**
 * The graph's arrays the dominator computation never reads, lent to it as its own work arrays: node names
 * and ids (the search's parent and order arrays), edge names (the retainer lists) and edge types (the
 * essential edges). Their contents wait in a private temporary file meanwhile and are read back by
 * `restore`. The computation's arrays were the analysis' peak, on top of the whole graph; this way they
 * take 8 bytes a node and 5 an edge less. Freeing and reallocating would not do: a dropped typed
 * array stays resident until V8 collects, which an analysis making no JavaScript garbage seldom makes it do.
 *
 * The file is unlinked as soon as it is open, so it goes away with the descriptor whatever happens.
 */
export interface LentGraphMemory {
  /** nodeCount + 1 entries each. */
  parent: Uint32Array;
  vertex: Uint32Array;
  /** edgeCount entries. */
  retainers: Uint32Array;
  essential: Uint8Array;
  /**
   * With `spendEdgeTargets`, the graph's edge targets, which the computation may overwrite once its search
   * is over (not restored: the caller reads no edge target after).
   */
  afterSearch: Uint32Array | undefined;
  /** Puts the graph's contents back (the edge targets aside); the lent arrays must not be used after. */
  restore(): void;
}

/** At most this many bytes per read or write call (the system's limit is under 2 GiB). */
const IO_BYTES = 1 << 30;

/**
 * Lends the arrays when the graph has room for the extra node entry (the reader allocates it) and the
 * file can be written; otherwise `undefined`, and nothing was changed.
 */
export function lendGraphMemory(graph: HeapGraph, spendEdgeTargets: boolean): LentGraphMemory | undefined {
  const size = graph.nodeCount + 1;
  const parent = wholeArray(graph.nodeName, size);
  const vertex = wholeArray(graph.nodeId, size);
  if (parent === undefined || vertex === undefined) return undefined;
  const saved = [graph.nodeName, graph.nodeId, graph.edgeNameOrIndex, graph.edgeType].map((array) => new Uint8Array(array.buffer, array.byteOffset, array.byteLength));
  let fd: number;
  try {
    fd = openUnlinked();
  } catch {
    return undefined;
  }
  try {
    let position = 0;
    for (const bytes of saved) position = transfer(fd, bytes, writeSync, position);
  } catch {
    closeSync(fd);
    return undefined;
  }
  let restored = false;
  return {
    parent,
    vertex,
    retainers: graph.edgeNameOrIndex,
    essential: graph.edgeType,
    afterSearch: spendEdgeTargets ? graph.edgeTarget : undefined,
    restore(): void {
      if (restored) return;
      restored = true;
      try {
        let position = 0;
        for (const bytes of saved) position = transfer(fd, bytes, readSync, position);
      } finally {
        closeSync(fd);
      }
    },
  };
}

/** The array's whole buffer as `length` entries, when it is its own buffer and that long. */
function wholeArray(array: Uint32Array, length: number): Uint32Array | undefined {
  if (array.byteOffset !== 0 || array.buffer.byteLength < length * 4) return undefined;
  return new Uint32Array(array.buffer, 0, length);
}

function openUnlinked(): number {
  const dir = mkdtempSync(join(tmpdir(), 'heap-analysis-'));
  try {
    const file = join(dir, 'graph');
    const fd = openSync(file, 'wx+', 0o600);
    unlinkSync(file);
    return fd;
  } finally {
    rmdirSync(dir);
  }
}

type Io = (fd: number, buffer: Uint8Array, offset: number, length: number, position: number) => number;

/** Writes or reads all of `bytes` at `position` (a short transfer is continued); returns the end. */
function transfer(fd: number, bytes: Uint8Array, io: Io, start: number): number {
  let position = start;
  for (let done = 0; done < bytes.length; ) {
    const moved = io(fd, bytes, done, Math.min(IO_BYTES, bytes.length - done), position);
    if (moved <= 0) throw new Error('the analysis could not move its work data through its temporary file');
    done += moved;
    position += moved;
  }
  return position;
}
