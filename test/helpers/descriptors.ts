import { readdirSync, readlinkSync } from 'node:fs';

/**
 * What a process's open file descriptors point at (Linux, from /proc): paths, with " (deleted)" for
 * unlinked files such as spill files. Lets a test see a descriptor left open, which no directory
 * listing shows.
 */
export function openDescriptorTargets(pid: number | 'self' = 'self'): string[] {
  return readdirSync(`/proc/${pid}/fd`).flatMap((fd) => {
    try {
      return [readlinkSync(`/proc/${pid}/fd/${fd}`)];
    } catch {
      return []; // closed meanwhile
    }
  });
}
