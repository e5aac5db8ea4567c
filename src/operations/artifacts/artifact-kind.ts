import type { Scope } from '../../options/tokens.js';
import type { ParamSpecs, ParamValues } from '../../params/param-spec.js';
import type { CdpTarget } from '../../targets/target.js';
import type { LockKind } from '../process-locks.js';

/**
 * Where an artifact's bytes go as they are produced: a download (through the one staging layer,
 * streaming/spilling-writer.ts) or a file of the dump store. Producers never know which.
 */
export interface ArtifactSink {
  /** Never blocks; the sink bounds its own memory. */
  write(chunk: string | Buffer): void;
  /** Undefined when the sink takes more now, else a promise of when it will (for producers that can wait). */
  whenWritable(): Promise<void> | undefined;
  /** A caveat about the artifact, said before its first byte (a download's Maintenance-Warning header). */
  warn(message: string): void;
  /** The file the sink writes, when it is one: a target sharing this file system may write it directly. */
  readonly filePath: string | undefined;
}

export interface ProduceOptions {
  /** Aborts when nobody waits for the artifact any more. */
  signal: AbortSignal;
  /** How far the producer has got, shown in the index while it runs. */
  progress(values: Record<string, number | string | boolean>): void;
  /** Where an engine that must stage (a frozen thread) keeps what the sink cannot take yet. */
  staging: { memoryLimitBytes: number; tmpdir: string | undefined };
}

/** What the configuration bounds for artifact parameters. */
export interface ArtifactLimits {
  maxProfileSeconds: number;
  /** A memory limit the operator set for the target (bytes), over what the system says. */
  memoryLimit: number | undefined;
}

/**
 * One kind of artifact, as the direct download and the scheduled dump both use it: its scope and slot,
 * its parameters, how its file is named and typed, and how it is produced into a sink.
 */
export interface ArtifactKind<S extends ParamSpecs = ParamSpecs> {
  kind: 'heapsnapshot' | 'cpuprofile' | 'heapprofile' | 'stack' | 'census' | 'report' | 'last-moments';
  scope: Scope;
  lock: LockKind;
  parameters(limits: ArtifactLimits): S;
  /** A further scope some parameter values need (a heap snapshot without redaction needs `heap-raw`). */
  paramScope?(params: ParamValues<S>): Scope | undefined;
  /** How long producing it should take, when the parameters say (a profile's duration). */
  expectedMs(params: ParamValues<S>): number | undefined;
  extension(params: ParamValues<S>): string;
  contentType(params: ParamValues<S>): string;
  /** Worth gzip on the wire (JSON); pprof is compressed already. */
  compressible(params: ParamValues<S>): boolean;
  /**
   * Set when its bytes pass through the delivering thread by the hundred megabytes (a heap snapshot):
   * once delivered, that thread's heap is collected so the buffers they left are given back
   * (`collectOwnThreadGarbage`, garbage-collection.ts).
   */
  relayedInBulk?: boolean;
  /**
   * Checks, before anything is asked of the target, that producing it may not harm it (a heap
   * snapshot's memory). Resolves with facts for the audit line; throws a MaintenanceError to refuse.
   */
  admit?(target: CdpTarget, params: ParamValues<S>, limits: ArtifactLimits): Promise<Record<string, unknown>>;
  /** Produces the artifact into `sink`; resolves with facts for the audit line. */
  produce(target: CdpTarget, params: ParamValues<S>, sink: ArtifactSink, options: ProduceOptions): Promise<Record<string, unknown>>;
}

export const JSON_TYPE = 'application/json; charset=utf-8';
export const PPROF_TYPE = 'application/octet-stream';

/** Keeps a kind's parameter types checked against its functions while the table holds it erased. */
export function defineArtifact<S extends ParamSpecs>(kind: ArtifactKind<S>): ArtifactKind {
  return kind as unknown as ArtifactKind;
}

/**
 * A kind whose artifact is one JSON document the target answers at once, without parameters (a rule's
 * stack, census or report): `take` returns the document and the facts for the audit line.
 */
export function jsonDocumentArtifact(kind: {
  kind: ArtifactKind['kind'];
  scope: Scope;
  lock: LockKind;
  extension: string;
  expectedMs?: number;
  take(target: CdpTarget): Promise<{ document: unknown; facts: Record<string, unknown> }>;
}): ArtifactKind {
  return defineArtifact({
    kind: kind.kind,
    scope: kind.scope,
    lock: kind.lock,
    parameters: () => ({}),
    expectedMs: () => kind.expectedMs,
    extension: () => kind.extension,
    contentType: () => JSON_TYPE,
    compressible: () => true,
    async produce(target, _params, sink) {
      const { document, facts } = await kind.take(target);
      sink.write(JSON.stringify(document));
      return facts;
    },
  });
}
