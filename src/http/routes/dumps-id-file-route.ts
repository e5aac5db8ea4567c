import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { notFound } from '../../errors.js';
import { ARTIFACTS } from '../../operations/artifacts/all-artifacts.js';
import { booleanParam, documented } from '../../params/param-spec.js';
import { dumpIdParam } from '../../scheduling/dump-id.js';
import { redactHeapSnapshot } from '../../snapshot-redaction/redact-heap-snapshot.js';
import { watchForStall } from '../../streaming/stall-watchdog.js';
import { scopeOfDump } from './dump-scope.js';
import { defineRoute } from './route.js';
import { onResponseClosed } from '../response-closed.js';

/**
 * `GET {base}/dumps/{id}/file`: the stored artifact, streamed, named as a direct download would be. A
 * heap snapshot stored raw (Node writes a near-heap-limit snapshot itself) is redacted as it is read,
 * unless a `heap-raw` token asks for it with `redact=false`.
 */
export const dumpFileRoute = defineRoute({
  method: 'GET',
  path: '/dumps/:id/file',
  pathParams: { id: dumpIdParam },
  scope: scopeOfDump,
  summary: "The finished dump's file, streamed; needs the scope of the dump's kind.",
  params: () => ({
    redact: documented('a heap snapshot stored raw (near-heap-limit) is redacted as it is served; false serves it raw and needs the heap-raw scope', booleanParam(true)),
  }),
  paramScope: (params) => (params.redact ? undefined : 'heap-raw'),
  async handle({ pathParams, res, context, params, audit }) {
    const { id } = pathParams;
    const path = context.dumps.filePath(id);
    const job = context.dumps.get(id);
    if (path === undefined || job === undefined) throw notFound('No such dump, or it is not ready.');
    // Opened before any header is sent: a file evicted meanwhile is still a clean 404. O_NOFOLLOW: a
    // link put in the store in place of the file is refused, never served.
    const handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW).catch(() => {
      throw notFound('No such dump.');
    });
    const stream = handle.createReadStream();
    // A snapshot not known to be redacted (Node's own, or one a store kept from before redaction) is taken as raw.
    const isSnapshot = job.kind === 'heapsnapshot';
    const redactOnRead = isSnapshot && job.redacted !== true && params.redact;
    if (isSnapshot) audit.auditResult = { redacted: job.redacted === true || redactOnRead };
    res.status(200);
    res.setHeader('Content-Type', ARTIFACTS[job.kind].contentType(job.params as never));
    res.setHeader('Content-Disposition', `attachment; filename="${job.fileName}"`);
    if (job.size !== null && !redactOnRead) res.setHeader('Content-Length', String(job.size));
    const stall = watchForStall(res.socket, {
      timeoutMs: context.config.stallTimeoutSeconds * 1000,
      onStall: (error) => void (audit.auditResult = { ...audit.auditResult, aborted: error.message }),
    });
    onResponseClosed(res, () => stall.stop());
    // A redaction that fails (a file that is not a whole snapshot) cuts the response off.
    await (redactOnRead ? pipeline(stream, redactHeapSnapshot(), res) : pipeline(stream, res)).catch((error) => {
      if (!res.destroyed) throw error;
    });
  },
});
