import { releaseMemory } from '../heapsnapshot/array-memory.js';
import { WorkFile } from '../heapsnapshot/work-file.js';

/** Entries read one at a time: a typed array, or one parked out of memory. */
export interface EntryReader {
  at(index: number): number | undefined;
}

/** An array parked out of memory, read back an entry at a time until it is closed. */
export interface ParkedArray extends EntryReader {
  close(): void;
}

type Column = Uint8Array | Uint32Array | Float64Array;

/** Arrays written one after another to a new work file: the file, and where each starts in it. */
export interface Parked {
  file: WorkFile;
  at: number[];
}

/**
 * Writes the arrays' contents to a new private temporary file, for a stage that does not read them:
 * `undefined`, and no file left open, when none can be made or written. Their memory is the caller's to
 * lend or release.
 */
export function parkArrays(arrays: readonly Column[]): Parked | undefined {
  const file = WorkFile.open();
  if (file === undefined) return undefined;
  try {
    return { file, at: arrays.map((array) => file.append(bytesOf(array))) };
  } catch {
    file.close();
    return undefined;
  }
}

/** Fills `into` with what was parked at `from`. */
export function readBack<T extends Column>(file: WorkFile, into: T, from: number): T {
  if (file.readAt(bytesOf(into), from) !== into.byteLength) throw unreadable();
  return into;
}

/**
 * Writes a Uint32Array a later stage reads only a few entries of (the shortest retainer of each node,
 * read only along the paths the report prints) to a private temporary file and frees its memory, so the
 * stages between do not carry it; `release` then takes the array's memory (by default, back to the
 * system). Where the file cannot be written, a copy is read from memory.
 */
export function parkUint32(array: Uint32Array, release: (array: Uint32Array) => void = releaseMemory): ParkedArray {
  const parked = parkArrays([array]);
  if (parked === undefined) return inMemory(array, release);
  const entries = fileEntries(parked.file, parked.at[0]!, Uint32Array, array.length);
  release(array);
  return { at: (index) => entries.at(index), close: () => parked.file.close() };
}

/** `length` entries of a typed array's type written at `start` in `file`, each read when asked for. */
export function fileEntries(file: WorkFile, start: number, type: Uint8ArrayConstructor | Uint32ArrayConstructor, length: number): EntryReader {
  const entry = new type(1);
  const bytes = new Uint8Array(entry.buffer);
  const width = type.BYTES_PER_ELEMENT;
  return {
    at(index: number): number | undefined {
      if (!Number.isInteger(index) || index < 0 || index >= length) return undefined;
      if (file.readAt(bytes, start + index * width) !== width) throw unreadable();
      return entry[0];
    },
  };
}

/** Kept in memory, in an array of its own: `array` may be memory its caller gets back (`release`). */
function inMemory(array: Uint32Array, release: (array: Uint32Array) => void): ParkedArray {
  const own = array.slice();
  release(array);
  return { at: (index) => own[index], close: () => undefined };
}

const bytesOf = (array: Column): Uint8Array => new Uint8Array(array.buffer, array.byteOffset, array.byteLength);

const unreadable = (): Error => new Error('the analysis could not read its work data back from its temporary file');
