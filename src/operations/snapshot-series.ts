import { contained } from '../contained.js';
import { MaintenanceError } from '../errors.js';

/**
 * A diff series: V8's object ids kept from a series' first heap snapshot to its last, so that three
 * snapshots can say which objects were allocated between the first two and are still alive in the third
 * (`maintenance-endpoint analyze --diff A B C`). Outside a series every snapshot gives its ids back
 * (snapshot-memory-release.ts), and the next one numbers the heap afresh.
 *
 * One series at a time per process (V8 keeps one id map per isolate), on the main thread. It ends with
 * its `end` snapshot, or at its deadline, whichever is first: then the ids are given back as after any
 * snapshot. While it is open, no snapshot, scheduled dump or heap profile releases them.
 */
export type SeriesStep = 'start' | 'continue' | 'end';

/**
 * What the id map costs, kept for the series' length: about 95 bytes per object (measured; see
 * snapshot-memory-release.ts), and at most one object per 32 bytes of the regular heap (the smallest
 * object with a property; measured heaps hold one per 34 to 41 bytes), so the estimate errs high.
 */
/** How long a series may stay open when its start does not say: half an hour. */
export const DEFAULT_SERIES_TIMEOUT_SECONDS = 1800;

export const ID_BYTES_PER_OBJECT = 95;
export const MIN_BYTES_PER_OBJECT = 32;

export const estimateIdMapBytes = (regularUsedBytes: number): number => Math.round((ID_BYTES_PER_OBJECT * regularUsedBytes) / MIN_BYTES_PER_OBJECT);

interface OpenSeries {
  startedAt: number;
  deadline: number;
  snapshots: number;
  timer: NodeJS.Timeout;
}

let open: OpenSeries | undefined;

/** Whether a series holds V8's object ids now: releases wait for its end. */
export const seriesHoldsIds = (): boolean => open !== undefined;

/** The open series, for the index and the audit line. */
export function seriesState(): { startedAt: string; deadline: string; snapshots: number } | undefined {
  return open === undefined ? undefined : { startedAt: new Date(open.startedAt).toISOString(), deadline: new Date(open.deadline).toISOString(), snapshots: open.snapshots };
}

const notOpen = (step: SeriesStep): MaintenanceError =>
  new MaintenanceError('SNAPSHOT_SERIES', `series=${step} needs an open series: none is open (it ended, or its timeout passed and its ids were given back). Start one with series=start.`);

/**
 * Checks that `step` fits the series' state before anything is asked of the target: start needs none
 * open, continue and end need one.
 */
export function checkSeriesStep(step: SeriesStep): void {
  if (step === 'start' && open !== undefined) {
    throw new MaintenanceError('SNAPSHOT_SERIES', `A snapshot series is already open (started ${new Date(open.startedAt).toISOString()}, ${open.snapshots} snapshot(s), until ${new Date(open.deadline).toISOString()}): continue it, or end it with series=end.`, {
      details: { series: seriesState() },
    });
  }
  if (step !== 'start' && open === undefined) throw notOpen(step);
}

/**
 * Runs one snapshot of a series: `take` gets the snapshot without releasing after it (that is left here).
 * start opens the series before the snapshot (so its ids are kept) and closes it again if the snapshot
 * fails; end closes it first, so the snapshot's own release gives the ids back. `release` is the release
 * after a snapshot, also run when the deadline passes.
 */
export async function inSeries<T>(step: SeriesStep, timeoutSeconds: number, release: () => Promise<unknown>, take: () => Promise<T>): Promise<T> {
  checkSeriesStep(step);
  if (step === 'start') {
    const startedAt = Date.now();
    const timer = setTimeout(
      contained('the end of a snapshot series at its timeout', () => {
        open = undefined;
        return release();
      }),
      timeoutSeconds * 1000,
    );
    timer.unref();
    open = { startedAt, deadline: startedAt + timeoutSeconds * 1000, snapshots: 0, timer };
  }
  if (step === 'end') close();
  try {
    const result = await take();
    if (open !== undefined) open.snapshots++;
    return result;
  } catch (error) {
    if (step === 'start') close();
    throw error;
  } finally {
    // The snapshot's release was skipped while the series held the ids; a series that ended
    // meanwhile (end, a failed start, its deadline) gives them back now.
    if (open === undefined) await release();
  }
}

function close(): void {
  if (open === undefined) return;
  clearTimeout(open.timer);
  open = undefined;
}
