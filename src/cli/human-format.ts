import { formatBytes } from './progress-bar.js';

const BYTE_FIELD = /^(heap|rss|external|arrayBuffers|malloced|size$)|Bytes$|^(before|after)$/i;

/**
 * A JSON object as aligned `name  value` lines for a person: byte counts in KiB/MiB, nested objects
 * flattened with dotted names, arrays of scalars inline. Generic on purpose, so a new field shows up
 * without a change here; --json gives the exact document.
 */
export function describeObject(value: unknown, prefix = ''): Array<[string, string]> {
  if (value === null || typeof value !== 'object') return [[prefix || 'value', scalar(prefix, value)]];
  if (Array.isArray(value)) {
    if (value.every((item) => item === null || typeof item !== 'object')) return [[prefix, value.map((item) => scalar(prefix, item)).join(', ')]];
    return value.flatMap((item, index) => describeObject(item, `${prefix}[${index}]`));
  }
  return Object.entries(value as Record<string, unknown>).flatMap(([key, item]) => describeObject(item, prefix ? `${prefix}.${key}` : key));
}

export function formatObject(value: unknown): string {
  const rows = describeObject(value);
  const width = Math.max(0, ...rows.map(([name]) => name.length));
  return rows.map(([name, text]) => `${name.padEnd(width)}  ${text}`).join('\n');
}

function scalar(name: string, value: unknown): string {
  const key = name.split('.').at(-1)!.replace(/\[\d+\]$/, '');
  if (typeof value === 'number' && BYTE_FIELD.test(key) && !/ratio|count/i.test(key) && Math.abs(value) >= 1024) return `${formatBytes(value)} (${value})`;
  if (value === null) return '-';
  return String(value);
}
