import { closeSync, constants, fstatSync, lstatSync, openSync, readdirSync, readSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The heap snapshots Node and V8 write on their own, by name: Node's near-heap-limit snapshot
 * (`Heap.<yyyymmdd>.<hhmmss>.<pid>.<thread>.<seq>.heapsnapshot`, into `--diagnostic-dir` or the working
 * directory) and V8's `--heap-snapshot-on-oom` (`v8-heap-<ms>.heapsnapshot` on Node 22,
 * `v8-heap-<ms>-<pid>.heapsnapshot` on Node 26, always into the working directory).
 */
const NODE_NEAR_LIMIT = /^Heap\.\d{8}\.\d{6}\.(\d+)\.\d+\.\d{3}\.heapsnapshot$/;
const V8_ON_OOM = /^v8-heap-\d+(?:-(\d+))?\.heapsnapshot$/;

export interface LeftHeapSnapshot {
  name: string;
  path: string;
  /** The writer's pid when the name carries it (V8's own file on Node 22 does not). */
  pid: number | undefined;
}

/**
 * Opens a file for reading only when it is a regular file itself: a symbolic link is never followed
 * (O_NOFOLLOW) and a directory or device is refused, so a stray entry in the store can neither make a
 * reader throw nor make it serve, hash or chmod what the entry points to. Undefined when refused.
 */
export function openRegularFile(path: string): number | undefined {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return undefined;
  }
  try {
    if (fstatSync(fd).isFile()) return fd;
  } catch {
    // fall through: not readable as a file
  }
  closeSync(fd);
  return undefined;
}

/** Whether `path` is a regular file itself (not a link to one), without following it. */
export function isRegularFile(path: string): boolean {
  try {
    return lstatSync(path).isFile();
  } catch {
    return false;
  }
}

/**
 * The snapshots Node or V8 wrote by themselves into `directory`, any process's: regular files only (a
 * directory or a symbolic link of a snapshot's name is not one, and is left where it is).
 */
export function findLeftHeapSnapshots(directory: string): LeftHeapSnapshot[] {
  let names: string[];
  try {
    names = readdirSync(directory);
  } catch {
    return [];
  }
  const found: LeftHeapSnapshot[] = [];
  for (const name of names) {
    const match = NODE_NEAR_LIMIT.exec(name) ?? V8_ON_OOM.exec(name);
    if (match === null || !isRegularFile(join(directory, name))) continue;
    found.push({ name, path: join(directory, name), pid: match[1] === undefined ? undefined : Number(match[1]) });
  }
  return found;
}

const HEAD_BYTES = 64 * 1024;
const TAIL_BYTES = 64;

/**
 * Whether a heap snapshot V8 wrote in place is whole, from its first and last bytes only. V8 writes
 * the JSON front to back and `strings`, an array of string literals, comes last: the file is whole
 * exactly when it ends with `"]}` whose quote is not escaped. Inside a string literal an unescaped
 * quote cannot occur, and the only other `"]}` V8 writes is the end of the `snapshot.meta` header,
 * before `"nodes":[`: so a file cut short anywhere (a writer killed by the kernel mid-way, a disk that
 * filled, a file still being written) fails the test, and no size or pid has to be trusted. Node 22
 * puts each string on a line of its own and Node 26 all of them on one; the test holds for both.
 */
export function isWholeHeapSnapshotFile(path: string): boolean {
  const fd = openRegularFile(path);
  if (fd === undefined) return false;
  try {
    const size = fstatSync(fd).size;
    const head = Buffer.alloc(Math.min(size, HEAD_BYTES));
    readSync(fd, head, 0, head.length, 0);
    const text = head.toString('latin1');
    const nodesAt = text.indexOf('"nodes":[');
    if (!text.startsWith('{"snapshot":{') || nodesAt < 0) return false;
    const tail = Buffer.alloc(Math.min(size, TAIL_BYTES));
    readSync(fd, tail, 0, tail.length, size - tail.length);
    const end = tail.toString('latin1').trimEnd();
    if (!end.endsWith('"]}') || size - tail.length + end.length - 3 <= nodesAt) return false;
    let backslashes = 0;
    for (let i = end.length - 4; i >= 0 && end[i] === '\\'; i--) backslashes++;
    return backslashes % 2 === 0;
  } catch {
    return false; // unreadable (EIO, removed meanwhile): not whole, looked at again on the next scan
  } finally {
    closeSync(fd);
  }
}
