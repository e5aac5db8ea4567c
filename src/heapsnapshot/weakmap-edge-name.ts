/**
 * The one reading of the name V8 gives the edge from a WeakMap's table to a value:
 * `N / part of key (K @1) -> value (V @2) pair in WeakMap (table @3)`, where K and V are the key's and the
 * value's node names (a string value's text) and 1, 2, 3 node ids. The analysis finds the table by it
 * (`tableId`); the redaction replaces V and keeps the rest (`valueFrom`, `valueTo`). Read from bytes (a
 * string's JSON bytes as they stream, or a decoded name's UTF-8), by its two fixed markers rather than
 * a pattern over the whole: K and V are any text, and may hold the markers' own words.
 */
export interface WeakMapEdgeName {
  /** V's range in the bytes read (empty when the value has no name). */
  valueFrom: number;
  valueTo: number;
  /** The table's node id, or -1 when what follows the table marker is not one (a name that only looks like this). */
  tableId: number;
}

const VALUE_MARKER = Buffer.from(' -> value (', 'latin1');
const TABLE_MARKER = Buffer.from(') pair in WeakMap (table @', 'latin1');
const SPACE = 0x20;
const AT = 0x40;
const CLOSE_PAREN = 0x29;

/** Where `needle` first (or, with `last`, last) stands in `bytes[from..to)`, or -1. */
function indexOf(bytes: Uint8Array, from: number, to: number, needle: Uint8Array, last = false): number {
  const end = to - needle.length;
  for (let k = 0; k <= end - from; k++) {
    const i = last ? end - k : from + k;
    let j = 0;
    while (j < needle.length && bytes[i + j] === needle[j]) j++;
    if (j === needle.length) return i;
  }
  return -1;
}

/** Reads `bytes[from..to)` as a WeakMap table's edge name; undefined for any other name. */
export function readWeakMapEdgeName(bytes: Uint8Array, from: number, to: number): WeakMapEdgeName | undefined {
  const value = indexOf(bytes, from, to, VALUE_MARKER);
  if (value === -1) return undefined;
  const table = indexOf(bytes, value, to, TABLE_MARKER, true);
  if (table === -1) return undefined;
  // The value's id, ` @2`, ends the parenthesis: the name runs up to the last ` @` before it.
  let end = table - 1;
  while (end > value && !(bytes[end] === AT && bytes[end - 1] === SPACE)) end--;
  const valueFrom = value + VALUE_MARKER.length;
  if (end - 1 < valueFrom) return undefined;
  return { valueFrom, valueTo: end - 1, tableId: tableIdAt(bytes, table + TABLE_MARKER.length, to) };
}

/** The digits from `from` up to a closing parenthesis that ends the name, as a number; -1 otherwise. */
function tableIdAt(bytes: Uint8Array, from: number, to: number): number {
  if (to - from < 2 || bytes[to - 1] !== CLOSE_PAREN) return -1;
  let id = 0;
  for (let i = from; i < to - 1; i++) {
    const c = bytes[i]!;
    if (c < 48 || c > 57) return -1;
    id = id * 10 + (c - 48);
  }
  return id;
}

/** The table's node id in a decoded edge name, or -1 when the name is not a WeakMap table's edge to a value. */
export function weakMapTableOf(name: string): number {
  const bytes = Buffer.from(name, 'utf8');
  return readWeakMapEdgeName(bytes, 0, bytes.length)?.tableId ?? -1;
}
