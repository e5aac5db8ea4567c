import { invalidParameter, notFound } from '../../errors.js';
import { analyzeStoredSnapshots, type StoredSnapshot } from '../../operations/heap-snapshot-analysis.js';
import { booleanParam, documented, textParam } from '../../params/param-spec.js';
import type { ApiContext } from '../api-context.js';
import { analysisTopParam, refuseAnalysisInApp } from '../analysis-out-of-process.js';
import { defineRoute } from './route.js';

/** A stored heap snapshot by id, ready; redacted as it is read unless it is known to be, or raw is asked for. */
function storedSnapshot(context: ApiContext, id: string, raw: boolean, what: string): StoredSnapshot {
  const job = context.dumps.get(id);
  const path = context.dumps.filePath(id);
  if (job === undefined || path === undefined) throw notFound(`No such dump${what}, or it is not ready.`);
  if (job.kind !== 'heapsnapshot') throw invalidParameter(what === '' ? 'id' : 'base', `a heap snapshot; ${id} is a ${job.kind}`);
  return { path, redact: job.redacted !== true && !raw };
}

/**
 * `GET {base}/dumps/{id}/analysis`: the report of a stored heap snapshot (the JSON of analyze --json), or
 * with `base=ID` the growth by constructor from that stored snapshot to this one. Computed where the store
 * is, and only out of the app's process: a sidecar; worker and router mode answer ANALYSIS_NOT_IN_APP.
 */
export const dumpAnalysisRoute = defineRoute({
  method: 'GET',
  path: '/dumps/:id/analysis',
  scope: 'heap',
  summary: "The analysis of a stored heap snapshot, or with base=ID its growth by constructor since another; sidecar only, never in the app's process.",
  params: () => ({
    top: analysisTopParam,
    base: documented('the id of an earlier stored heap snapshot: answer the growth by constructor from it to this one', textParam('a dump id')),
    redact: documented('a heap snapshot stored raw (near-heap-limit) is redacted as it is read; false reads it raw and needs the heap-raw scope', booleanParam(true)),
  }),
  paramScope: (params) => (params.redact ? undefined : 'heap-raw'),
  heavy: true,
  async handle({ req, res, context, params, audit }) {
    refuseAnalysisInApp(req, context);
    const id = String(req.params.id);
    const snapshot = storedSnapshot(context, id, !params.redact, '');
    const base = params.base === undefined ? undefined : storedSnapshot(context, params.base, !params.redact, ` ${params.base}`);
    const answer = await analyzeStoredSnapshots(snapshot, base, params.top);
    audit.auditResult = { ...(base !== undefined ? { base: params.base } : {}), redacted: snapshot.redact || context.dumps.get(id)?.redacted === true };
    res.json('growth' in answer ? { ...answer, id, base: params.base } : { ...answer, id, classes: answer.classes.slice(0, params.top) });
  },
});
