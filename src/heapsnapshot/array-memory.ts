/**
 * Typed arrays of the graph's size whose memory goes back to the system when the analysis is done with
 * them, rather than staying the process's until V8 collects (which an analysis making almost no
 * JavaScript garbage seldom makes it do) or for good.
 *
 * `releaseMemory` detaches an array's buffer (`ArrayBuffer#transfer(0)`): V8 frees its memory at once. Freed
 * memory is the system's again only if the C library had mapped it on its own: glibc maps an allocation
 * above its threshold, but raises the threshold to the size of each mapped block freed (up to 32 MiB), after
 * which smaller arrays come from its heap, whose freed middle it keeps. So an array that may be released
 * is allocated with at least 32 MiB of address space: always mapped on its own, zero-filled by the system,
 * and resident only in the pages written.
 */
const MAPPED = 32 * 1024 * 1024 + 4096;
/** Arrays under this are left to the C library as they are. */
const SMALL = 1024 * 1024;

function buffer(bytes: number): ArrayBuffer {
  return new ArrayBuffer(bytes < SMALL ? bytes : Math.max(bytes, MAPPED));
}

export const bytesArray = (length: number): Uint8Array<ArrayBuffer> => new Uint8Array(buffer(length), 0, length);
export const uint32Array = (length: number): Uint32Array<ArrayBuffer> => new Uint32Array(buffer(length * 4), 0, length);
export const float64Array = (length: number): Float64Array<ArrayBuffer> => new Float64Array(buffer(length * 8), 0, length);

/** Gives the array's memory back now; the array, and every view of its buffer, is empty after. */
export function releaseMemory(array: ArrayBufferView): void {
  const memory = array.buffer;
  if (memory instanceof ArrayBuffer && !memory.detached && memory.byteLength > 0) memory.transfer(0);
}
