import type { ArtifactKind } from './artifact-kind.js';
import { cpuProfileArtifact } from './cpu-profile-artifact.js';
import { heapProfileArtifact } from './heap-profile-artifact.js';
import { heapSnapshotArtifact } from './heap-snapshot-artifact.js';
import { censusArtifact } from './census-artifact.js';
import { reportArtifact } from './report-artifact.js';
import { stackArtifact } from './stack-artifact.js';
import { lastMomentsArtifact } from './last-moments-artifact.js';

/** Every artifact the endpoint can produce, by kind: the one table direct downloads, scheduled dumps and rules share. */
export const ARTIFACTS = {
  heapsnapshot: heapSnapshotArtifact,
  cpuprofile: cpuProfileArtifact,
  heapprofile: heapProfileArtifact,
  // Produced by collection rules only (the stack, the census and the report have routes of their own).
  stack: stackArtifact,
  census: censusArtifact,
  report: reportArtifact,
  // Made by the recorder alone, from its last spill (recorder/).
  'last-moments': lastMomentsArtifact,
} as const satisfies Record<ArtifactKind['kind'], ArtifactKind>;

export type ArtifactKindName = keyof typeof ARTIFACTS;
