import { booleanParam, documented } from '../../params/param-spec.js';
import { takeHeapSnapshot, writeHeapSnapshotToFile } from '../heap-snapshot.js';
import { checkSnapshotAdmission } from '../snapshot-admission.js';
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
    force: documented("take it even when the estimated peak does not fit in the process's memory budget (audited as forced)", booleanParam(false)),
  }),
  admit: async (target, params, { memoryLimit }) => ({ ...(await checkSnapshotAdmission(target, { memoryLimit, force: params.force })) }),
  expectedMs: () => undefined,
  extension: () => 'heapsnapshot',
  contentType: () => JSON_TYPE,
  compressible: () => true,
  async produce(target, params, sink, { signal, progress, staging }) {
    const what = { exposeInternals: params.exposeInternals, captureNumericValue: params.captureNumericValue };
    if (sink.filePath !== undefined && target.capabilities.sharedFileSystem) {
      progress({ phase: 'writing' });
      await writeHeapSnapshotToFile(target, sink.filePath, what);
      return {};
    }
    progress({ phase: 'building', bytesStreamed: 0 });
    let bytesStreamed = 0;
    const { stagedOnDiskBytes } = await takeHeapSnapshot(
      target,
      (chunk) => {
        sink.write(chunk);
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
    return { stagedOnDiskBytes };
  },
});
