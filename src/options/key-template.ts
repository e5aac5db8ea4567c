/**
 * Object keys are built from a template of literal text and named fields:
 *
 * - `{service}`: the service's name (see `ArtifactIdentity`)
 * - `{host}`: the host name (a pod's name in Kubernetes)
 * - `{pid}`: the process id
 * - `{instance}`: which life of that pid it is (the kernel boot, pid namespace and process start; see
 *   process/process-instance.ts), so the sweep of killed uploads can tell a dead uploader from a live one
 * - `{kind}`: what the artifact is: `heap-snapshot`, `cpu-profile`, ...
 * - `{time}`: when the key was made, UTC, sortable: `2026-01-25T10-30-00.123Z`
 * - `{date}`: its day, `2026-01-25` (a handy prefix for lifecycle rules and browsing)
 * - `{random}`: 8 random hex digits
 *
 * The template is an option, checked at start-up here; egress/object-key.ts fills it in.
 * The extension (`.heapsnapshot`, `.pb.gz`, ...) is always appended, so the object opens in the right
 * tool. Keys hold only `A-Z a-z 0-9 . _ - /`: field values are reduced to those characters, so no
 * value can add a path segment, climb out of the prefix or need escaping anywhere a key is shown.
 */
export const DEFAULT_KEY_TEMPLATE = '{service}/{host}/{pid}-{instance}/{time}-{kind}';

export const KEY_FIELDS = ['service', 'host', 'pid', 'instance', 'kind', 'time', 'date', 'random'] as const;
export type KeyField = (typeof KEY_FIELDS)[number];

/** A `{field}` of a template. */
export const KEY_FIELD_PATTERN = /\{([^{}]*)\}/g;
const FIELD = KEY_FIELD_PATTERN;
const LITERAL = /^[A-Za-z0-9._/-]*$/;

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
