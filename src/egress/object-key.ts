import { randomBytes } from 'node:crypto';

/**
 * Object keys are built from a template of literal text and named fields:
 *
 * - `{service}`: the service's name (see `ArtifactIdentity`)
 * - `{host}`: the host name (a pod's name in Kubernetes)
 * - `{pid}`: the process id
 * - `{kind}`: what the artifact is: `heap-snapshot`, `cpu-profile`, ...
 * - `{time}`: when the key was made, UTC, sortable: `2026-01-25T10-30-00.123Z`
 * - `{date}`: its day, `2026-01-25` (a handy prefix for lifecycle rules and browsing)
 * - `{random}`: 8 random hex digits
 *
 * The extension (`.heapsnapshot`, `.pb.gz`, ...) is always appended, so the object opens in the right
 * tool. Keys hold only `A-Z a-z 0-9 . _ - /`: field values are reduced to those characters, so no
 * value can add a path segment, climb out of the prefix or need escaping anywhere a key is shown.
 */
export const DEFAULT_KEY_TEMPLATE = '{service}/{host}/{time}-{kind}-{pid}';

export const KEY_FIELDS = ['service', 'host', 'pid', 'kind', 'time', 'date', 'random'] as const;
export type KeyField = (typeof KEY_FIELDS)[number];

const FIELD = /\{([^{}]*)\}/g;
const LITERAL = /^[A-Za-z0-9._/-]*$/;
const MAX_FIELD_LENGTH = 64;
/** S3's limit, in UTF-8 bytes; every character of ours is one byte. */
const MAX_KEY_LENGTH = 1024;

/** Why `template` is unusable, or undefined when it is fine. */
export function validateKeyTemplate(template: string): string | undefined {
  const fields = [...template.matchAll(FIELD)].map((match) => match[1]!);
  const unknown = fields.filter((field) => !(KEY_FIELDS as readonly string[]).includes(field));
  if (unknown.length > 0) return `has unknown fields ${unknown.map((field) => `{${field}}`).join(', ')} (known: ${KEY_FIELDS.map((field) => `{${field}}`).join(' ')})`;
  const literal = template.replace(FIELD, 'x');
  if (!LITERAL.test(literal)) return 'may hold only letters, digits, ".", "_", "-", "/" and {fields}';
  if (literal.startsWith('/') || literal.endsWith('/') || literal.includes('//')) return 'must not start or end with "/" nor hold "//"';
  if (template.split('/').some((segment) => segment === '.' || segment === '..')) return 'must not hold "." or ".." segments';
  // Two dumps must never land on one key: the second would silently replace the first.
  if (!fields.includes('time') && !fields.includes('random')) return 'must hold {time} or {random}, so that no upload replaces an earlier one';
  return undefined;
}

/** Whose artifact it is: the process that produced it (for a sidecar, the inspected process, not itself). */
export interface ArtifactIdentity {
  service: string;
  host: string;
  pid: number;
}

/** `prefix` + the filled template + `extension`. `template` must have passed validateKeyTemplate. */
export function buildObjectKey(options: {
  prefix: string;
  template: string;
  identity: ArtifactIdentity;
  kind: string;
  extension: string;
  now?: Date;
}): string {
  const now = options.now ?? new Date();
  const iso = now.toISOString();
  const values: Record<KeyField, string> = {
    service: options.identity.service,
    host: options.identity.host,
    pid: String(options.identity.pid),
    kind: options.kind,
    time: iso.replace(/:/g, '-'),
    date: iso.slice(0, 10),
    random: randomBytes(4).toString('hex'),
  };
  const body = options.template.replace(FIELD, (_match, field: KeyField) => safeSegment(values[field]));
  const extension = options.extension === '' ? '' : `.${safeSegment(options.extension.replace(/^\.+/, ''))}`;
  const key = `${options.prefix}${body}${extension}`;
  if (key.length > MAX_KEY_LENGTH) throw new RangeError(`The object key would be ${key.length} bytes long; S3 allows ${MAX_KEY_LENGTH}.`);
  return key;
}

/** A field value as one safe path segment: no "/", nothing outside `A-Za-z0-9._-`, no leading dot. */
export function safeSegment(value: string): string {
  const cleaned = value
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^[.-]+/, '')
    .replace(/-+$/, '')
    .slice(0, MAX_FIELD_LENGTH);
  return cleaned === '' ? 'unknown' : cleaned;
}
