import type { S3Destination } from '../options/egress-options.js';
import type { ArtifactIdentity } from './object-key.js';
import type { SweepResult } from './stale-upload-sweep.js';
import { contained } from '../contained.js';

export interface SweepReport {
  /** One line per destination swept, or that failed to be. */
  swept(result: SweepResult): void;
  failed(destination: string, error: Error): void;
}

/** Not in the first moments of start-up: the app has better things to do than load the SDK. */
const START_DELAY_MS = 1000;

type SweepState = 'pending' | 'running' | 'done';
const sweeps = new WeakMap<S3Destination, { state: SweepState; run: () => void }>();

/**
 * When a sweep runs: `background`, shortly after start, for an endpoint on a thread of its own (worker
 * mode); `first-upload`, as the first upload to the destination starts, for one on the app's own thread
 * (router mode), where loading the SDK blocks the app (about 160 ms, +37 MB) and is not worth paying
 * in a process that may never upload.
 */
export type SweepTiming = 'background' | 'first-upload';

/**
 * Sweeps each destination's stale multipart uploads (see sweepStaleUploads) once per process, at the
 * time `timing` says, never holding up start-up or the upload (it runs alongside; an unreachable store
 * fails it quietly), and again at the next upload to a destination whose sweep failed, since by then
 * the store may answer.
 */
export function sweepStaleUploadsInBackground(
  destinations: readonly S3Destination[],
  identity: () => Pick<ArtifactIdentity, 'host' | 'service'>,
  report: SweepReport,
  timing: SweepTiming = 'background',
): void {
  for (const destination of destinations) {
    const entry = { state: 'pending' as SweepState, run: () => {} };
    entry.run = () => {
      if (entry.state !== 'pending') return;
      entry.state = 'running';
      // The sweep and the SDK load only where a destination is configured, when its sweep runs.
      import('./stale-upload-sweep.js').then(({ sweepStaleUploads }) => sweepStaleUploads(destination, identity())).then(
        (result) => {
          entry.state = 'done';
          quietly(() => report.swept(result));
        },
        (error: Error) => {
          entry.state = 'pending';
          quietly(() => report.failed(destination.name, error));
        },
      );
    };
    sweeps.set(destination, entry);
    if (timing === 'background') setTimeout(contained('the sweep of stale uploads', entry.run), START_DELAY_MS).unref();
  }
}

/** Called as an upload to `destination` starts: retries a sweep that has not succeeded yet. */
export function sweepBeforeUpload(destination: S3Destination): void {
  sweeps.get(destination)?.run();
}

/** A report that fails (its log closed with the endpoint meanwhile) must not become an unhandled rejection. */
function quietly(action: () => void): void {
  try {
    action();
  } catch {
    // Nothing left to tell.
  }
}
