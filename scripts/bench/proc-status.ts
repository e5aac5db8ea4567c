import { readFileSync } from 'node:fs';

export interface MemoryStatus {
  /** Resident set size now. */
  rss: number;
  /** High-water mark of the resident set size (since start, or since the last reset). */
  hwm: number;
}

/** VmRSS and VmHWM of a process, in bytes, from one read of Linux's /proc/PID/status. */
export function readMemoryStatus(pid: number): MemoryStatus {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return { rss: kibibytes(pid, status, 'VmRSS') * 1024, hwm: kibibytes(pid, status, 'VmHWM') * 1024 };
}

function kibibytes(pid: number, status: string, field: string): number {
  const value = Number(new RegExp(`^${field}:\\s*(\\d+) kB$`, 'm').exec(status)?.[1]);
  // A process that has exited (a zombie) has no memory figures left.
  if (!Number.isFinite(value)) throw new Error(`process ${pid} has no ${field} (has it exited?)`);
  return value;
}
