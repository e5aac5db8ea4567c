import type { MemoryBudget } from '../probe/memory-limit.js';
import type { SnapshotMemoryEstimate } from './snapshot-memory-estimate.js';

/** A heap snapshot was refused: its estimated peak does not fit in what the target may still use. */
export class InsufficientMemoryError extends Error {
  readonly code = 'INSUFFICIENT_MEMORY';
  readonly estimateBytes: number;
  readonly limitBytes: number | undefined;
  readonly availableBytes: number;
  readonly source: MemoryBudget['source'];

  constructor(estimateBytes: number, budget: MemoryBudget & { availableBytes: number }) {
    super(
      `A heap snapshot needs about ${mebibytes(estimateBytes)} more memory at its peak; the target may use only ${mebibytes(budget.availableBytes)} more (${budget.source}). ` +
        'Retry with force to take it anyway.',
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
