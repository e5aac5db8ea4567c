import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { createGzip, constants as zlib, type Gzip } from 'node:zlib';
import { OperationAbortedError } from '../errors.js';
import { artifactFileName } from '../operations/artifacts/artifact-file-name.js';
import { collectOwnThreadGarbage } from '../operations/garbage-collection.js';
import type { ArtifactKind, ArtifactSink } from '../operations/artifacts/artifact-kind.js';
import { SpillingWriter } from '../streaming/spilling-writer.js';
import { watchForStall } from '../streaming/stall-watchdog.js';
import type { RouteCall } from './routes/route.js';
import { onResponseClosed } from './response-closed.js';

/**
 * Produces an artifact straight into the response, as it is made: gzip when it is worth it and the
 * client accepts it, through the one staging layer (SpillingWriter) so a slow client costs disk, never
 * memory. A failure before the first byte is a JSON error; after it, the response is cut off so the
 * client can tell the artifact is not whole.
 */
export async function streamArtifact(call: RouteCall<Record<string, unknown>>, artifact: ArtifactKind, params: Record<string, unknown>): Promise<void> {
  try {
    await produceIntoResponse(call, artifact, params);
  } finally {
    // Delivered, failed or abandoned: what it relayed through this thread is garbage now.
    if (artifact.relayedInBulk) await collectOwnThreadGarbage();
  }
}

async function produceIntoResponse(call: RouteCall<Record<string, unknown>>, artifact: ArtifactKind, params: Record<string, unknown>): Promise<void> {
  const { req, res, context, operation, signal, audit } = call;
  const typed = params as never;
  const gzip = artifact.compressible(typed) && req.acceptsEncodings('gzip', 'identity') === 'gzip';
  res.status(200);
  res.setHeader('Content-Type', artifact.contentType(typed));
  res.setHeader('Content-Disposition', `attachment; filename="${artifactFileName(artifact.extension(typed), await context.target.processId())}"`);
  if (artifact.compressible(typed)) res.setHeader('Vary', 'Accept-Encoding');
  let destination: Writable = res;
  let compressor: Gzip | undefined;
  if (gzip) {
    res.setHeader('Content-Encoding', 'gzip');
    // Level 1: a snapshot is highly repetitive JSON, so the fastest level still shrinks it several
    // times over while keeping up with V8's serializer.
    compressor = createGzip({ level: zlib.Z_BEST_SPEED });
    compressor.pipe(res);
    compressor.on('error', () => res.destroy());
    destination = compressor;
  }
  const staging = { memoryLimitBytes: context.config.spillThresholdBytes, tmpdir: context.config.tmpdir };
  const writer = new SpillingWriter(destination, staging);
  const onClientGone = () => {
    if (!res.writableFinished) writer.destroy();
  };
  onResponseClosed(res, onClientGone);
  // A client that keeps its connection but takes nothing would hold the slot and the spill file.
  let stalled: string | undefined;
  const stall = watchForStall(res.socket, {
    timeoutMs: context.config.stallTimeoutSeconds * 1000,
    onStall: (error) => {
      stalled = error.message;
      audit.auditResult = { ...audit.auditResult, ...writer.stats, aborted: stalled };
    },
  });
  onResponseClosed(res, () => stall.stop());
  const warnings: string[] = [];
  const sink: ArtifactSink = {
    write: (chunk) => {
      writer.write(chunk);
      // What a slow client costs in disk, for the index while it lasts.
      if (writer.stats.spilledBytes > 0) operation?.update({ spilledBytes: writer.stats.spilledBytes });
    },
    whenWritable: () => writer.whenWritable(),
    warn: (message) => {
      warnings.push(message);
      if (!res.headersSent) res.setHeader('Maintenance-Warning', warnings.join(' | '));
    },
    filePath: undefined,
  };
  let result: Record<string, unknown>;
  try {
    result = await artifact.produce(context.target, typed, sink, { signal, progress: (values) => operation?.update(values), staging });
  } catch (error) {
    if (error instanceof OperationAbortedError || res.headersSent) {
      writer.destroy(error as Error);
      throw error;
    }
    // Nothing reached the client yet: unhook the stream and answer with a JSON error instead.
    res.off('close', onClientGone);
    compressor?.unpipe(res);
    compressor?.destroy();
    throw error;
  }
  audit.auditResult = { ...audit.auditResult, ...result, ...writer.stats, ...(stalled === undefined ? {} : { aborted: stalled }) };
  if (res.destroyed) return; // the client went away; the producer has finished, so the slot can be freed
  operation?.update({ phase: 'flushing' });
  try {
    await writer.end();
    await finished(res);
  } catch (error) {
    if (!res.destroyed) throw error; // a client leaving during the last bytes is not an endpoint failure
  }
}
