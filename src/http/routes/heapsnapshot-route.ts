import { heapSnapshotArtifact } from '../../operations/artifacts/heap-snapshot-artifact.js';
import { artifactRoute } from '../artifact-route.js';

/** `GET {base}/heapsnapshot`: the main thread's heap snapshot, streamed to the client as V8 writes it. */
export const heapSnapshotRoute = artifactRoute(heapSnapshotArtifact, {
  path: '/heapsnapshot',
  summary: 'Heap snapshot of the main thread (or ?thread=ID), streamed as V8 writes it; open it in Chrome DevTools (Memory tab, Load profile).',
  threads: true,
});
