import { MaintenanceError } from '../errors.js';
import type { MemoryBudget } from '../probe/memory-limit.js';
import type { CdpTarget } from '../targets/target.js';
import { estimateSnapshotMemory, type SnapshotMemoryEstimate } from './snapshot-memory-estimate.js';
import { estimateIdMapBytes } from './snapshot-series.js';
import { readTargetMemoryBudget } from './target-memory-budget.js';

/**
 * A heap snapshot was refused: its estimated peak does not fit in what the target may still use. The
 * answer carries the figures (estimateBytes, limitBytes, availableBytes, source) beside the message.
 */
export class InsufficientMemoryError extends MaintenanceError {
  readonly estimateBytes: number;
  readonly limitBytes: number | undefined;
  readonly availableBytes: number;
  readonly source: MemoryBudget['source'];

  constructor(estimateBytes: number, budget: MemoryBudget & { availableBytes: number }) {
    super(
      'INSUFFICIENT_MEMORY',
      `A heap snapshot needs about ${mebibytes(estimateBytes)} more memory at its peak; the target may use only ${mebibytes(budget.availableBytes)} more (${budget.source}). ` +
        'Nothing was taken; retry with force=1 to take it anyway.',
      { details: { estimateBytes, limitBytes: budget.limitBytes ?? null, availableBytes: budget.availableBytes, source: budget.source } },
    );
    this.name = 'InsufficientMemoryError';
    this.estimateBytes = estimateBytes;
    this.limitBytes = budget.limitBytes;
    this.availableBytes = budget.availableBytes;
    this.source = budget.source;
  }
}

export type SnapshotAdmission =
  | { ok: true; checked: boolean; estimateBytes: number; availableBytes: number | undefined }
  | { ok: false; error: InsufficientMemoryError };

/**
 * Whether a snapshot may be taken. `force` admits it whatever the estimate; an unknown budget (a remote
 * target on another host) admits it unchecked, and says so, since refusing would make snapshots of such
 * targets impossible.
 */
export function admitSnapshot(estimate: SnapshotMemoryEstimate, budget: MemoryBudget, options: { force?: boolean } = {}): SnapshotAdmission {
  const estimateBytes = estimate.peakExtraBytes;
  if (budget.availableBytes === undefined) return { ok: true, checked: false, estimateBytes, availableBytes: undefined };
  if (options.force === true || estimateBytes <= budget.availableBytes) return { ok: true, checked: options.force !== true, estimateBytes, availableBytes: budget.availableBytes };
  return { ok: false, error: new InsufficientMemoryError(estimateBytes, { ...budget, availableBytes: budget.availableBytes }) };
}

function mebibytes(bytes: number): string {
  return `${Math.round(bytes / (1024 * 1024))} MiB`;
}

/** What admission said, for the audit line, the index and the operation's progress. */
export interface AdmissionFacts {
  estimateBytes: number;
  availableBytes: number | null;
  limitBytes: number | null;
  source: MemoryBudget['source'];
  /** False when the budget is unknown (a target on another host): nothing could be checked. */
  checked: boolean;
  /** The estimate did not fit and force took it anyway. */
  forced: boolean;
  /** A series' first snapshot: the part of estimateBytes that is V8's id map, kept until the series ends. */
  idMapBytes?: number;
}

/**
 * Estimates the target's snapshot peak and compares it with its memory budget. Resolves with the facts
 * when it fits (or force is given, or nothing can be checked); throws InsufficientMemoryError otherwise,
 * before anything was asked of V8.
 */
export async function checkSnapshotAdmission(target: CdpTarget, options: { memoryLimit?: number; force?: boolean; keepIds?: boolean }): Promise<AdmissionFacts> {
  const [snapshot, budget] = await Promise.all([estimateSnapshotMemory(target), readTargetMemoryBudget(target, { memoryLimit: options.memoryLimit })]);
  // A series' first snapshot keeps V8's id map after it, for the series' length: admitted with the peak.
  const idMapBytes = options.keepIds === true ? estimateIdMapBytes(snapshot.inputs.regularUsedBytes) : 0;
  const estimate = { ...snapshot, peakExtraBytes: snapshot.peakExtraBytes + idMapBytes };
  const admission = admitSnapshot(estimate, budget);
  const facts = {
    ...(options.keepIds === true ? { idMapBytes } : {}),
    estimateBytes: estimate.peakExtraBytes,
    availableBytes: budget.availableBytes ?? null,
    limitBytes: budget.limitBytes ?? null,
    source: budget.source,
    checked: budget.availableBytes !== undefined,
  };
  if (admission.ok) return { ...facts, forced: false };
  if (options.force === true) return { ...facts, forced: true };
  throw admission.error;
}
