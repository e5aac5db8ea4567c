import { landedUpload } from '../egress/upload-artifact.js';
import type { ArtifactKind } from '../operations/artifacts/artifact-kind.js';
import { produceIntoUpload } from '../operations/artifacts/produce-into-upload.js';
import type { RouteCall } from './routes/route.js';

/**
 * `?egress=NAME`: the artifact goes into the destination's bucket as it is produced, and the answer is
 * where it landed. The presigned URL goes to the requester only: the audit line records the key and
 * checksum, never the URL (whoever holds it can read the object until it expires).
 */
export async function uploadArtifactResponse(
  call: RouteCall<Record<string, unknown>>,
  artifact: ArtifactKind,
  params: Record<string, unknown>,
  egress: string,
): Promise<void> {
  const { res, context, operation, signal, audit } = call;
  const destination = context.config.egress[egress]!;
  const { upload, facts, staging, warnings } = await produceIntoUpload(context.target, artifact, params, destination, {
    signal,
    progress: (values) => operation?.update(values),
    staging: { memoryLimitBytes: context.config.spillThresholdBytes, tmpdir: context.config.tmpdir },
  });
  audit.auditResult = { ...facts, ...staging, egress, bucket: upload.bucket, key: upload.key, size: upload.size, sha256: upload.sha256 };
  if (warnings.length > 0) res.setHeader('Maintenance-Warning', warnings.join(' | '));
  res.status(200).json({
    ...landedUpload(egress, upload),
    ...(warnings.length > 0 && { warnings }),
  });
}
