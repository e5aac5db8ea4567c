import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { basename, extname } from 'node:path';
import { KEY_FIELD_PATTERN, type KeyField } from '../options/key-template.js';
import { ownInstanceMarker } from '../process/process-instance.js';

export { DEFAULT_KEY_TEMPLATE, KEY_FIELDS, validateKeyTemplate, type KeyField } from '../options/key-template.js';

const FIELD = KEY_FIELD_PATTERN;
const MAX_FIELD_LENGTH = 64;
/** S3's limit, in UTF-8 bytes; every character of ours is one byte. */
const MAX_KEY_LENGTH = 1024;

/** Whose artifact it is: the process that produced it (for a sidecar, the inspected process, not itself). */
export interface ArtifactIdentity {
  service: string;
  host: string;
  pid: number;
  /** The `{instance}` marker (see process-instance.ts): this process's own unless given (`unknown` for another's). */
  instance?: string;
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
    instance: options.identity.instance ?? ownInstanceMarker(),
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

/**
 * The app's service name as its own thread sees it: OTEL_SERVICE_NAME or the main script's name. Read
 * on the app's thread and handed to the endpoint's worker (`useAppServiceName`), whose own argv names
 * the worker's script (`maintenance-worker`), not the app.
 */
export function appServiceName(): string {
  // Empty is unset, as the target's own reading (artifact-identity.ts) has it.
  return process.env.OTEL_SERVICE_NAME || mainScriptName();
}

let appService: string | undefined;

/** In the endpoint's worker thread: the name the app's thread read, for every key this thread makes. */
export function useAppServiceName(name: string): void {
  appService = name;
}

/** `given`, completed with this process's own: the app's service name, the host name, the pid, its instance. */
export function artifactIdentity(given?: Partial<ArtifactIdentity>): ArtifactIdentity {
  return {
    service: given?.service ?? appService ?? appServiceName(),
    host: given?.host ?? hostname(),
    pid: given?.pid ?? process.pid,
    instance: given?.instance ?? ownInstanceMarker(),
  };
}

function mainScriptName(): string {
  const script = process.argv[1];
  return script === undefined ? 'node' : basename(script, extname(script));
}
