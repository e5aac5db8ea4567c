import { hostname } from 'node:os';

/** `<host>-<pid>-<UTC timestamp>.<extension>`, safe in a Content-Disposition header and on any file system. */
export function artifactFileName(extension: string, now = new Date()): string {
  const host = hostname().replace(/[^A-Za-z0-9.-]/g, '_') || 'host';
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `${host}-${process.pid}-${stamp}.${extension}`;
}

export function attachment(extension: string): string {
  return `attachment; filename="${artifactFileName(extension)}"`;
}
