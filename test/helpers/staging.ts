import assert from 'node:assert/strict';

/**
 * The most one read of a pipe hands over: libuv reads streams into 64 KiB buffers. How a snapshot is cut
 * into reads is the kernel's and Node's business (Node 20 reads 65536 bytes at a time, 24 and later
 * often 65534 or 65535), so a memory bound can be met only to within one read.
 */
const LARGEST_PIPE_READ = 64 * 1024;

/**
 * A download of `totalBytes` of which `stagedOnDiskBytes` went to a spill file: the rest waited in
 * memory, and that part must stay within `boundBytes` yet use it (less than one read short), with
 * something left over for the disk.
 */
export function assertStagedWithinMemoryBound(totalBytes: number, stagedOnDiskBytes: number, boundBytes: number): void {
  const inMemory = totalBytes - stagedOnDiskBytes;
  assert.ok(stagedOnDiskBytes > 0, `what passed the ${boundBytes}-byte bound was staged on disk (${stagedOnDiskBytes} bytes)`);
  assert.ok(inMemory <= boundBytes, `${inMemory} bytes staged in memory, more than the ${boundBytes}-byte bound`);
  assert.ok(inMemory > boundBytes - LARGEST_PIPE_READ, `only ${inMemory} bytes staged in memory: the ${boundBytes}-byte bound went unused`);
}
