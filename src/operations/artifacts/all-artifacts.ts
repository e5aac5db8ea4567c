import type { ArtifactKind } from './artifact-kind.js';
import { cpuProfileArtifact } from './cpu-profile-artifact.js';
import { heapProfileArtifact } from './heap-profile-artifact.js';
import { heapSnapshotArtifact } from './heap-snapshot-artifact.js';

/** Every artifact the endpoint can produce, by kind: the one table direct downloads and scheduled dumps share. */
export const ARTIFACTS = {
  heapsnapshot: heapSnapshotArtifact,
  cpuprofile: cpuProfileArtifact,
  heapprofile: heapProfileArtifact,
} as const satisfies Record<ArtifactKind['kind'], ArtifactKind>;

export type ArtifactKindName = keyof typeof ARTIFACTS;
