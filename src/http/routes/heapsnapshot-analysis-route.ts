import { HEAP_SNAPSHOT_PARAMS, heapSnapshotArtifact } from '../../operations/artifacts/heap-snapshot-artifact.js';
import { analyzeHeapSnapshotOf } from '../../operations/heap-snapshot-analysis.js';
import { analysisTopParam, refuseAnalysisInApp } from '../analysis-out-of-process.js';
import { defineRoute } from './route.js';

const snapshotParams = (params: { redact: boolean; force: boolean }) => ({ exposeInternals: false, captureNumericValue: false, redact: params.redact, force: params.force });

/**
 * `GET {base}/heapsnapshot/analysis`: the analysis of the target's heap snapshot, made in the sidecar as the
 * snapshot streams by (docs/heap-analysis.md). Refused in worker and router mode, whose process is the app's.
 */
export const heapSnapshotAnalysisRoute = defineRoute({
  method: 'GET',
  path: '/heapsnapshot/analysis',
  scope: 'heap',
  summary: "The analysis of a heap snapshot of the target, made in the sidecar as the snapshot streams by (the JSON of maintenance-endpoint analyze); sidecar only, never in the app's process.",
  params: () => ({
    top: analysisTopParam,
    redact: HEAP_SNAPSHOT_PARAMS.redact,
    force: HEAP_SNAPSHOT_PARAMS.force,
  }),
  paramScope: (params) => heapSnapshotArtifact.paramScope?.(snapshotParams(params) as never),
  heavy: true,
  operation: { kind: 'heapsnapshot' },
  admit: async ({ req, params, context }) => {
    refuseAnalysisInApp(req, context);
    return heapSnapshotArtifact.admit?.(context.target, snapshotParams(params) as never, context.config);
  },
  async handle({ res, context, params, operation, signal, audit }) {
    const staging = { memoryLimitBytes: context.config.spillThresholdBytes, tmpdir: context.config.tmpdir };
    const { report, facts } = await analyzeHeapSnapshotOf(context.target, heapSnapshotArtifact, snapshotParams(params), params.top, {
      signal,
      progress: (values) => operation?.update(values),
      staging,
    });
    audit.auditResult = { ...audit.auditResult, ...facts, bytes: report.snapshot.bytes, nodes: report.snapshot.nodes };
    res.json({ ...report, classes: report.classes.slice(0, params.top) });
  },
});
