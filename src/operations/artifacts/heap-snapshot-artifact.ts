import { booleanParam, documented } from '../../params/param-spec.js';
import { defineArtifact, JSON_TYPE } from './artifact-kind.js';

/**
 * A heap snapshot of the main thread. The engine is chosen here and only here: V8 writes the sink's
 * file itself where it can open it, otherwise heap-snapshot.ts streams it by what the target can do.
 */
export const heapSnapshotArtifact = defineArtifact({
  kind: 'heapsnapshot',
  scope: 'heap',
  lock: 'heapsnapshot',
  parameters: () => ({
    exposeInternals: documented("include V8's internal objects and edges (DevTools \"Expose internals\")", booleanParam(false)),
    captureNumericValue: documented('record the values of numbers (DevTools "Include numerical values")', booleanParam(false)),
    redact: documented('replace the strings the program holds as data (string values, dictionary keys) by their length and a keyed label, as docs/security.md says; false needs the heap-raw scope', booleanParam(true)),
    force: documented("take it even when the estimated peak does not fit in the process's memory budget (audited as forced)", booleanParam(false)),
  }),
  paramScope: (params) => (params.redact ? undefined : 'heap-raw'),
  admit: async (target, params, { memoryLimit }) => {
    const { checkSnapshotAdmission } = await import('../snapshot-admission.js');
    return { ...(await checkSnapshotAdmission(target, { memoryLimit, force: params.force })) };
  },
  expectedMs: () => undefined,
  extension: () => 'heapsnapshot',
  contentType: () => JSON_TYPE,
  compressible: () => true,
  async produce(target, params, sink, { signal, progress, staging }) {
    const [{ takeHeapSnapshot, writeHeapSnapshotToFile }, { redactingWriter }] = await Promise.all([import('../heap-snapshot.js'), import('../../snapshot-redaction/redacting-writer.js')]);
    const what = { exposeInternals: params.exposeInternals, captureNumericValue: params.captureNumericValue };
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
  },
});
