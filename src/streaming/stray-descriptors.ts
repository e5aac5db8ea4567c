import { closeSync, readdirSync, readlinkSync, realpathSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/**
 * Closes every descriptor of this process that is open on `path`, but `keep`. Node's
 * `v8.writeHeapSnapshot` throws on a failed write (ENOSPC on a full disk, EPIPE on a pipe whose reader
 * left) without closing the file it opened: the descriptor stays open for good, and on a full disk the
 * removed file's blocks stay allocated, so the next dump finds the disk still full. The file is one of
 * ours (a private partial file or pipe, which nothing else opens), so a descriptor on it is that leaked
 * one. Linux only (read from /proc); elsewhere there is nothing to read and nothing is closed.
 * Returns how many were closed.
 */
export function closeStrayDescriptors(path: string, keep?: number): number {
  let fds: string[];
  try {
    fds = readdirSync('/proc/self/fd');
  } catch {
    return 0;
  }
  // /proc names the file by its real path: a temp directory reached through a link is named otherwise.
  const real = realPath(path);
  let closed = 0;
  for (const name of fds) {
    const fd = Number(name);
    if (fd === keep) continue;
    let target: string;
    try {
      target = readlinkSync(`/proc/self/fd/${name}`);
    } catch {
      continue; // closed meanwhile, or the directory's own descriptor
    }
    if (target !== real && target !== `${real} (deleted)`) continue;
    try {
      closeSync(fd);
      closed++;
    } catch {
      // closed meanwhile
    }
  }
  return closed;
}

function realPath(path: string): string {
  try {
    return join(realpathSync(dirname(path)), basename(path));
  } catch {
    return path;
  }
}
