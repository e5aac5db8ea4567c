import { PassThrough } from 'node:stream';
import { uploadArtifact, type UploadResult } from '../../egress/upload-artifact.js';
import type { S3Destination } from '../../options/egress-options.js';
import { SpillingWriter, type SpillingWriterStats } from '../../streaming/spilling-writer.js';
import type { CdpTarget } from '../../targets/target.js';
import { egressDescription } from './artifact-identity.js';
import type { ArtifactKind, ArtifactSink, ProduceOptions } from './artifact-kind.js';

export interface ProducedUpload {
  upload: UploadResult;
  /** The producer's facts, for the audit line. */
  facts: Record<string, unknown>;
  /** What staging between producer and uploader cost (bytes in, spilled to disk, peak memory backlog). */
  staging: SpillingWriterStats;
  /** The producer's caveats about the artifact. */
  warnings: string[];
}

/**
 * Bytes the uploader may have waiting on its side of the channel: small, since the uploader gathers
 * its own parts. The writer counts the channel's writable side against the staging bound.
 */
const CHANNEL_BYTES = 1024 * 1024;

/**
 * Produces an artifact straight into a multipart upload: no local copy. The producer writes into the
 * one staging layer (SpillingWriter) over a channel that the uploader pulls from as it sends parts, so
 * backpressure is the uploader's: while its parts are in flight it stops reading, the channel fills,
 * and the writer holds back a producer that can wait (consumerReady) or stages what one that cannot
 * (V8 writing a snapshot) pushes: in memory up to `staging.memoryLimitBytes`, past it in a private spill
 * file. Memory held is then at most staging.memoryLimitBytes + CHANNEL_BYTES + the upload's own
 * (queueSize + 1) x partSize, whatever the artifact's size.
 *
 * When either side fails the other is stopped: a producer failure destroys the channel (the upload
 * aborts its multipart upload), an upload failure aborts the producer. The upload's outcome is awaited
 * in every case before this settles, so no multipart upload is left open behind it.
 */
export async function produceIntoUpload(
  target: CdpTarget,
  artifact: ArtifactKind,
  params: Record<string, unknown>,
  destination: S3Destination,
  options: ProduceOptions,
): Promise<ProducedUpload> {
  const { signal } = options;
  const description = await egressDescription(target, artifact, params);
  const producer = new AbortController();
  const forwardAbort = () => producer.abort(signal.reason);
  if (signal.aborted) forwardAbort();
  else signal.addEventListener('abort', forwardAbort, { once: true });

  const channel = new PassThrough({ highWaterMark: CHANNEL_BYTES });
  const writer = new SpillingWriter(channel, options.staging);
  let uploadFailure: Error | undefined;
  const uploading = uploadArtifact(destination, description, channel, signal);
  uploading.catch((error: Error) => {
    uploadFailure = error;
    // Wakes a producer waiting for room and stops it: nothing it makes can be stored any more.
    writer.destroy(error);
    producer.abort(error);
  });

  const warnings: string[] = [];
  const sink: ArtifactSink = {
    write: (chunk) => {
      writer.write(chunk);
      if (writer.stats.spilledBytes > 0) options.progress({ spilledBytes: writer.stats.spilledBytes });
    },
    whenWritable: () => writer.whenWritable(),
    warn: (message) => void warnings.push(message),
    filePath: undefined,
  };

  let facts: Record<string, unknown>;
  try {
    facts = await artifact.produce(target, params as never, sink, { ...options, signal: producer.signal });
  } catch (error) {
    writer.destroy(error as Error);
    await uploading.catch(() => {});
    // When the store failed first, its error is the reason; the producer only stopped because of it.
    throw uploadFailure !== undefined && !signal.aborted ? uploadFailure : error;
  } finally {
    signal.removeEventListener('abort', forwardAbort);
  }
  options.progress({ phase: 'uploading' });
  // A failed upload has torn the channel down, so ending it fails too: the upload's error says why.
  await writer.end().catch(() => {});
  return { upload: await uploading, facts, staging: { ...writer.stats }, warnings };
}
