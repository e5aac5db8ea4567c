import type { Request, Response } from 'express';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { createGzip, constants as zlib, type Gzip } from 'node:zlib';
import { OperationAbortedError } from '../../operations/abortable-delay.js';
import { takeHeapSnapshot } from '../../operations/heap-snapshot.js';
import type { RunningOperation } from '../../operations/operation-registry.js';
import { SpillingWriter } from '../../streaming/spilling-writer.js';
import { watchForStall } from '../../streaming/stall-watchdog.js';
import type { ApiContext } from '../api-context.js';
import { attachment } from '../artifact-name.js';
import { clientGone } from '../send-artifact.js';
import { booleanParam, parseQuery } from '../query.js';
import { scheduleIfRequested, scheduleParams } from '../schedule-request.js';
import type { RouteDefinition } from './route.js';

const params = { exposeInternals: booleanParam, captureNumericValue: booleanParam, ...scheduleParams };

/** `GET {base}/heapsnapshot`: the main thread's heap snapshot, streamed to the client as V8 writes it. */
export const heapSnapshotRoute: RouteDefinition = {
  method: 'GET',
  path: '/heapsnapshot',
  scope: 'heap',
  heavy: true,
  summary: 'Heap snapshot of the main thread, streamed as V8 writes it; open it in Chrome DevTools (Memory, Load).',
  query: () => params,
  async handler(req, res, context) {
    const query = parseQuery(req, params);
    res.locals.auditParams = query;
    const options = { exposeInternals: query.exposeInternals, captureNumericValue: query.captureNumericValue };
    if (scheduleIfRequested(req, res, context, query, () => ({ kind: 'heapsnapshot', extension: 'heapsnapshot', params: options }))) return;
    const operation = context.operations.begin('heapsnapshot');
    try {
      await streamSnapshot(req, res, context, operation, options);
    } finally {
      operation.end();
    }
  },
};

async function streamSnapshot(
  req: Request,
  res: Response,
  context: ApiContext,
  operation: RunningOperation,
  query: { exposeInternals?: boolean; captureNumericValue?: boolean },
): Promise<void> {
  const gzip = req.acceptsEncodings('gzip', 'identity') === 'gzip';
  res.status(200);
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Disposition', attachment('heapsnapshot'));
  res.setHeader('Vary', 'Accept-Encoding');
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
  const writer = new SpillingWriter(destination, { memoryLimitBytes: context.config.spillThresholdBytes, tmpdir: context.config.tmpdir });
  const onClientGone = () => {
    if (!res.writableFinished) writer.destroy();
  };
  res.on('close', onClientGone);
  const stall = watchForStall(res.socket, {
    timeoutMs: context.config.stallTimeoutSeconds * 1000,
    onStall: (error) => void (res.locals.auditResult = { ...writer.stats, aborted: error.message }),
  });
  res.once('close', () => stall.stop());
  operation.update({ phase: 'building', bytesStreamed: 0 });
  let staged = 0;
  try {
    ({ stagedOnDiskBytes: staged } = await takeHeapSnapshot(
      context.target,
      (chunk) => {
        writer.write(chunk);
        operation.update({ phase: 'serializing', bytesStreamed: writer.stats.bytesIn, spilledBytes: writer.stats.spilledBytes });
      },
      {
        exposeInternals: query.exposeInternals === true,
        captureNumericValue: query.captureNumericValue === true,
        onProgress: ({ done, total }) => operation.update({ phase: 'building', objectsDone: done, objectsTotal: total }),
        staging: { memoryLimitBytes: context.config.spillThresholdBytes, tmpdir: context.config.tmpdir },
        consumerReady: () => writer.whenWritable(),
        signal: clientGone(res),
      },
    ));
  } catch (error) {
    if (error instanceof OperationAbortedError && res.destroyed) return; // the client left while staged data was handed over
    if (res.headersSent) {
      writer.destroy(error as Error);
      throw error;
    }
    // Nothing reached the client yet: unhook the stream and answer with a JSON error instead.
    res.off('close', onClientGone);
    compressor?.unpipe(res);
    compressor?.destroy();
    throw error;
  }
  res.locals.auditResult = { ...writer.stats, stagedOnDiskBytes: staged };
  if (res.destroyed) return; // the client went away; V8 has finished, so the slot can be freed
  operation.update({ phase: 'flushing' });
  try {
    await writer.end();
    await finished(res);
  } catch (error) {
    if (!res.destroyed) throw error; // a client leaving during the last bytes is not an endpoint failure
  }
}
