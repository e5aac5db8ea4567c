import type { ArtifactDescription } from '../../egress/upload-artifact.js';
import { UNKNOWN_INSTANCE } from '../../process/process-instance.js';
import { evaluate } from '../../targets/protocol.js';
import type { CdpTarget } from '../../targets/target.js';
import type { ArtifactKind } from './artifact-kind.js';

/** What each kind is called in an object's key and metadata. */
const KEY_KINDS: Record<ArtifactKind['kind'], string> = {
  heapsnapshot: 'heap-snapshot',
  cpuprofile: 'cpu-profile',
  heapprofile: 'heap-profile',
  stack: 'stack',
  census: 'census',
  report: 'report',
  'last-moments': 'last-moments',
};

/** How long a remote target gets to name itself before the key says `unknown`. */
const SERVICE_NAME_TIMEOUT_MS = 2000;

/**
 * How an artifact of `artifact` with `params` is described to the object store: its kind, extension
 * and type, and whose it is: the inspected process's pid, and for another process (a sidecar's target)
 * its own service name, read from it, never the sidecar's.
 */
export async function egressDescription(target: CdpTarget, artifact: ArtifactKind, params: Record<string, unknown>): Promise<ArtifactDescription> {
  const typed = params as never;
  const pid = await target.processId();
  // A target in this process shares its environment and argv: upload-artifact's defaults are its own.
  const service = target.capabilities.sharedFileSystem ? undefined : await remoteServiceName(target);
  return {
    kind: KEY_KINDS[artifact.kind],
    extension: artifact.extension(typed),
    contentType: artifact.contentType(typed),
    // Another process's life cannot be told from here: its keys are marked so that no sweep judges them.
    identity: { pid, ...(service !== undefined && { service }), ...(!target.capabilities.sharedFileSystem && { instance: UNKNOWN_INSTANCE }) },
  };
}

async function remoteServiceName(target: CdpTarget): Promise<string | undefined> {
  const expression =
    "process.env.OTEL_SERVICE_NAME || require('node:path').basename(process.argv[1] || 'node').replace(/\\.[cm]?[jt]s$/, '')";
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), SERVICE_NAME_TIMEOUT_MS).unref()));
  try {
    const named = evaluate<unknown>(target, 'Reading the service name', expression, { commandLineApi: true, timeoutMs: SERVICE_NAME_TIMEOUT_MS }).catch(() => undefined);
    const name = await Promise.race([named, timeout]);
    return typeof name === 'string' && name !== '' ? name : undefined;
  } finally {
    clearTimeout(timer);
  }
}
