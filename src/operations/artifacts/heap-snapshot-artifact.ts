import { booleanParam, documented, enumParam, integerParam } from '../../params/param-spec.js';
import type { ParamValues } from '../../params/param-spec.js';
import type { CdpTarget } from '../../targets/target.js';
import { checkSeriesStep, DEFAULT_SERIES_TIMEOUT_SECONDS, inSeries, seriesState } from '../snapshot-series.js';
import { defineArtifact, JSON_TYPE, type ArtifactSink, type ProduceOptions } from './artifact-kind.js';

/** A heap snapshot's parameters, shared by the routes that take one (its download, its analysis). */
export const HEAP_SNAPSHOT_PARAMS = {
  exposeInternals: documented("include V8's internal objects and edges (DevTools \"Expose internals\")", booleanParam(false)),
  captureNumericValue: documented('record the values of numbers (DevTools "Include numerical values")', booleanParam(false)),
  redact: documented('replace the strings the program holds as data (string values, dictionary keys) by their length and a keyed label, as docs/security.md says; false needs the heap-raw scope', booleanParam(true)),
  series: documented(
    "a diff series, whose snapshots keep V8's object ids from the first to the last so analyze --diff A B C can follow objects: start (admitted with the id map it keeps, about 95 bytes per object), continue, end (the ids are given back after it); main thread only",
    enumParam(['start', 'continue', 'end'] as const),
  ),
  seriesTimeout: documented(`with series=start: seconds after which the series ends by itself and its ids are given back (default ${DEFAULT_SERIES_TIMEOUT_SECONDS})`, integerParam(10, 86_400)),
  force: documented("take it even when the estimated peak does not fit in the process's memory budget (audited as forced)", booleanParam(false)),
};

/**
 * A heap snapshot of the main thread. The engine is chosen here and only here: V8 writes the sink's
 * file itself where it can open it, otherwise heap-snapshot.ts streams it by what the target can do.
 * Like every kind (see all-artifacts.ts), the engine, its admission and the redaction load at the first snapshot.
 */
export const heapSnapshotArtifact = defineArtifact({
  kind: 'heapsnapshot',
  scope: 'heap',
  lock: 'heapsnapshot',
  parameters: () => HEAP_SNAPSHOT_PARAMS,
  paramScope: (params) => (params.redact ? undefined : 'heap-raw'),
  admit: async (target, params, { memoryLimit }) => {
    if (params.series !== undefined) checkSeriesStep(params.series);
    // The snapshot engine, its admission and the redaction are loaded when a snapshot is first asked for: the
    // rules' check reads this declaration on the app's thread at start (all-artifacts.ts).
    const { checkSnapshotAdmission } = await import('../snapshot-admission.js');
    return { ...(await checkSnapshotAdmission(target, { memoryLimit, force: params.force, keepIds: params.series === 'start' })) };
  },
  expectedMs: () => undefined,
  extension: () => 'heapsnapshot',
  contentType: () => JSON_TYPE,
  compressible: () => true,
  relayedInBulk: true,
  async produce(target, params, sink, options) {
    if (params.series === undefined) return produceSnapshot(target, params, sink, options, true);
    const { releaseSnapshotMemory } = await import('../snapshot-memory-release.js');
    const facts = await inSeries(params.series, params.seriesTimeout ?? DEFAULT_SERIES_TIMEOUT_SECONDS, () => releaseSnapshotMemory(target), () => produceSnapshot(target, params, sink, options, false));
    return { ...facts, series: params.series, ...(seriesState() !== undefined ? { seriesDeadline: seriesState()!.deadline } : {}) };
  },
});

async function produceSnapshot(
  target: CdpTarget,
  params: ParamValues<typeof HEAP_SNAPSHOT_PARAMS>,
  sink: ArtifactSink,
  { signal, progress, staging }: ProduceOptions,
  releaseMemory: boolean,
): Promise<Record<string, unknown>> {
  const [{ takeHeapSnapshot, writeHeapSnapshotToFile }, { redactingWriter }] = await Promise.all([import('../heap-snapshot.js'), import('../../snapshot-redaction/redacting-writer.js')]);
  const what = { exposeInternals: params.exposeInternals, captureNumericValue: params.captureNumericValue, releaseMemory };
  // V8 writing the file itself is the fast path for a raw snapshot; a redacted one streams through
  // the redaction into the same file instead.
  if (!params.redact && sink.filePath !== undefined && target.capabilities.sharedFileSystem) {
    progress({ phase: 'writing' });
    await writeHeapSnapshotToFile(target, sink.filePath, what);
    return { redacted: false };
  }
  progress({ phase: 'building', bytesStreamed: 0 });
  let bytesStreamed = 0;
  const redaction = params.redact ? redactingWriter((piece) => sink.write(piece)) : undefined;
  const { stagedOnDiskBytes } = await takeHeapSnapshot(
    target,
    (chunk) => {
      if (redaction === undefined) sink.write(chunk);
      else redaction.write(chunk);
      bytesStreamed += chunk.length;
      progress({ phase: 'serializing', bytesStreamed });
    },
    {
      ...what,
      onProgress: ({ done, total }) => progress({ phase: 'building', objectsDone: done, objectsTotal: total }),
      staging,
      consumerReady: () => sink.whenWritable(),
      signal,
    },
  );
  if (redaction === undefined) return { stagedOnDiskBytes, redacted: false };
  const { strings, redacted } = redaction.finish();
  return { stagedOnDiskBytes, redacted: true, redactedStrings: redacted, strings };
}
