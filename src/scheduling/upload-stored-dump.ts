import { createReadStream } from 'node:fs';
import { landedUpload, uploadArtifact, type LandedUpload } from '../egress/upload-artifact.js';
import type { S3Destination } from '../options/egress-options.js';
import { egressDescription } from '../operations/artifacts/artifact-identity.js';
import type { ArtifactKind } from '../operations/artifacts/artifact-kind.js';
import type { CdpTarget } from '../targets/target.js';

/** Where a scheduled dump landed, as its job shows it. */
export type DumpUpload = LandedUpload;

/**
 * Uploads a finished dump from the store's file to `destination`. The file is read at the uploader's
 * pace (a file stream pauses while parts are in flight), so it costs the upload's parts in memory and
 * nothing more. The caller removes the file afterwards, whatever the outcome.
 */
export async function uploadStoredDump(
  target: CdpTarget,
  artifact: ArtifactKind,
  params: Record<string, unknown>,
  path: string,
  destination: S3Destination,
  signal: AbortSignal,
): Promise<DumpUpload> {
  const description = await egressDescription(target, artifact, params);
  const upload = await uploadArtifact(destination, description, createReadStream(path), signal);
  return landedUpload(destination.name, upload);
}
