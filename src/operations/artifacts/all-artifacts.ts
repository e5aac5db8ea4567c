import type { ArtifactKind } from './artifact-kind.js';
import { cpuProfileArtifact } from './cpu-profile-artifact.js';
import { heapProfileArtifact } from './heap-profile-artifact.js';
import { heapSnapshotArtifact } from './heap-snapshot-artifact.js';
import { censusArtifact } from './census-artifact.js';
import { reportArtifact } from './report-artifact.js';
import { stackArtifact } from './stack-artifact.js';
import { lastMomentsArtifact } from './last-moments-artifact.js';

/**
 * Every artifact the endpoint can produce, by kind: the one table direct downloads, scheduled dumps and rules share.
 * Each kind imports the code that produces it when it is first produced: the rules' check reads this table on the
 * app's thread at start, which then holds only the declarations, not the snapshot engine, the redaction and the
 * pprof encoders (about 1.5 MB of the app's heap, and as much again in an idle server's thread).
 */
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
