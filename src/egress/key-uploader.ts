import { safeSegment, type ArtifactIdentity } from './object-key.js';

/** Whose upload a key is: the process id and instance marker it names. */
export interface KeyUploader {
  pid: number;
  /** The `{instance}` text as the key holds it (see process-instance.ts); `unknown` when not made here. */
  instance: string;
}

/** Reads a key back into the uploader it names, or undefined when the key is not this host's and service's. */
export type KeyUploaderReader = (key: string) => KeyUploader | undefined;

/** S3's key limit: anything longer is not a key we made, and no text beyond it is looked at. */
const MAX_KEY_LENGTH = 1024;

/** How a template segment is read back: compared whole, or the pid-and-instance segment split by its separator. */
type SegmentReader =
  | { kind: 'equal'; text: string }
  | { kind: 'process'; pidFirst: boolean; separator: string }
  | { kind: 'any' };

const WHOLE_FIELD = /^\{([a-z]+)\}$/;
/** `{pid}` and `{instance}` in either order, with a separator neither value can hold (pids are digits, markers [0-9a-z]). */
const PROCESS_SEGMENT = /^\{(pid|instance)\}([._-]+)\{(pid|instance)\}$/;
const PID = /^[1-9]\d{0,9}$/;
const INSTANCE = /^[0-9a-z]{1,32}$/;

/**
 * Why keys of `template` cannot be read back safely, or undefined when they can. A key says whose it
 * is only where its fields cannot run into each other: field values never hold "/", so a field that is
 * a whole path segment is read exactly, whereas `{host}{pid}` lets host `web-1` with pid 23 read as
 * host `web-12` with pid 3, and `{service}-{host}` lets service `api-web` on host `x` read as service
 * `api` on host `web-x`. So {service} and {host} must each be a whole segment, and {pid} and {instance}
 * one segment together (`{pid}-{instance}`), none of them the last (it carries the extension).
 */
export function unreadableTemplateReason(template: string): string | undefined {
  const segments = template.split('/');
  const inner = segments.slice(0, -1);
  const whole = (field: string) => inner.some((segment) => segment === `{${field}}`);
  const missing = ['service', 'host'].filter((field) => !whole(field));
  const process = inner.some((segment) => {
    const match = PROCESS_SEGMENT.exec(segment);
    return match !== null && match[1] !== match[3];
  });
  if (missing.length === 0 && process) return undefined;
  return (
    'its keys do not say unambiguously whose upload each is: it needs {service} and {host} each as a whole path segment and ' +
    '{pid}-{instance} as one, none of them last (as in the default, {service}/{host}/{pid}-{instance}/{time}-{kind})'
  );
}

/**
 * A reader of the keys `buildObjectKey` makes from `prefix` and `template` for `identity`'s host and
 * service (their values as the key holds them, so another host's or service's keys never match), or
 * undefined when the template's keys cannot be read back safely (see unreadableTemplateReason). It
 * splits the key by "/" and looks at each segment once: linear in the key's length, which is bounded.
 */
export function keyUploaderReader(prefix: string, template: string, identity: Pick<ArtifactIdentity, 'host' | 'service'>): KeyUploaderReader | undefined {
  if (unreadableTemplateReason(template) !== undefined) return undefined;
  const readers = template.split('/').map((segment, index, all): SegmentReader => {
    if (index === all.length - 1) return { kind: 'any' };
    const field = WHOLE_FIELD.exec(segment)?.[1];
    if (field === 'service') return { kind: 'equal', text: safeSegment(identity.service) };
    if (field === 'host') return { kind: 'equal', text: safeSegment(identity.host) };
    const process = PROCESS_SEGMENT.exec(segment);
    if (process !== null && process[1] !== process[3]) return { kind: 'process', pidFirst: process[1] === 'pid', separator: process[2]! };
    if (!segment.includes('{')) return { kind: 'equal', text: segment };
    return { kind: 'any' };
  });
  return (key) => {
    if (key.length > MAX_KEY_LENGTH || !key.startsWith(prefix)) return undefined;
    const segments = key.slice(prefix.length).split('/');
    if (segments.length !== readers.length) return undefined;
    let uploader: KeyUploader | undefined;
    for (const [index, reader] of readers.entries()) {
      const segment = segments[index]!;
      if (reader.kind === 'equal' && segment !== reader.text) return undefined;
      if (reader.kind !== 'process') continue;
      const parts = segment.split(reader.separator);
      if (parts.length !== 2) return undefined;
      const [pidText, instance] = reader.pidFirst ? parts : [parts[1]!, parts[0]!];
      if (!PID.test(pidText!) || !INSTANCE.test(instance!)) return undefined;
      uploader = { pid: Number(pidText), instance: instance! };
    }
    return uploader;
  };
}

