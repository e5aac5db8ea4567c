import { hostname } from 'node:os';

/** `<host>-<pid of the inspected process>-<UTC timestamp>.<extension>`, safe in a Content-Disposition header and on any file system. */
export function artifactFileName(extension: string, pid: number, now = new Date()): string {
  const host = hostname().replace(/[^A-Za-z0-9.-]/g, '_') || 'host';
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `${host}-${pid}-${stamp}.${extension}`;
}
