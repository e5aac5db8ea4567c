import { KEY_FIELD_PATTERN, type KeyField } from '../options/key-template.js';
import { safeSegment, type ArtifactIdentity } from './object-key.js';

/** Whose upload a key is: the process id it names and when the key was made (when the template says). */
export interface KeyUploader {
  pid: number;
  /** From `{time}`; undefined when the template has none. */
  keyTimeMs: number | undefined;
}

/** Reads a key back into the uploader it names, or undefined when the key is not this host's and service's. */
export type KeyUploaderReader = (key: string) => KeyUploader | undefined;

const FIELD_PATTERNS: Record<Exclude<KeyField, 'host' | 'service' | 'pid' | 'time'>, string> = {
  kind: '[A-Za-z0-9._-]+?',
  date: '\\d{4}-\\d\\d-\\d\\d',
  random: '[0-9a-f]{8}',
};
const TIME = '\\d{4}-\\d\\d-\\d\\dT\\d\\d-\\d\\d-\\d\\d\\.\\d{3}Z';

/**
 * A reader of the keys `buildObjectKey` makes from `prefix` and `template` for `identity`'s host and
 * service (their values as the key holds them, so another host's or service's keys never match), or
 * undefined when the template lacks `{host}` or `{pid}`: such keys do not say which process made them,
 * and nothing may be judged from them.
 */
export function keyUploaderReader(prefix: string, template: string, identity: Pick<ArtifactIdentity, 'host' | 'service'>): KeyUploaderReader | undefined {
  const fields = new Set([...template.matchAll(KEY_FIELD_PATTERN)].map((match) => match[1] as KeyField));
  if (!fields.has('host') || !fields.has('pid')) return undefined;
  const seen = new Set<KeyField>();
  let source = '';
  let last = 0;
  for (const match of template.matchAll(KEY_FIELD_PATTERN)) {
    source += escape(template.slice(last, match.index));
    last = match.index + match[0].length;
    const field = match[1] as KeyField;
    // A field named twice holds the same value twice.
    if (seen.has(field) && (field === 'pid' || field === 'time')) {
      source += `\\k<${field}>`;
      continue;
    }
    seen.add(field);
    if (field === 'host') source += escape(safeSegment(identity.host));
    else if (field === 'service') source += escape(safeSegment(identity.service));
    else if (field === 'pid') source += '(?<pid>\\d+)';
    else if (field === 'time') source += `(?<time>${TIME})`;
    else source += FIELD_PATTERNS[field];
  }
  source += escape(template.slice(last));
  // The extension buildObjectKey appends: `.heapsnapshot`, `.cpu.pb.gz`...
  const pattern = new RegExp(`^${escape(prefix)}${source}(?:\\.[A-Za-z0-9._-]+)?$`);
  return (key) => {
    const groups = pattern.exec(key)?.groups;
    if (groups === undefined) return undefined;
    const pid = Number(groups.pid);
    if (!Number.isSafeInteger(pid) || pid <= 0) return undefined;
    return { pid, keyTimeMs: groups.time === undefined ? undefined : parseKeyTime(groups.time) };
  };
}

/** `2026-01-25T10-30-00.123Z` (a key's `{time}`, colons made dashes) back into milliseconds. */
function parseKeyTime(text: string): number | undefined {
  const ms = Date.parse(text.replace(/T(\d\d)-(\d\d)-(\d\d)/, 'T$1:$2:$3'));
  return Number.isFinite(ms) ? ms : undefined;
}

function escape(literal: string): string {
  return literal.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}
