import type { S3Destination } from '../options/egress-options.js';
import type { ArtifactIdentity } from './object-key.js';
import { sweepStaleUploads, type SweepResult } from './stale-upload-sweep.js';

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
 * Sweeps each destination's stale multipart uploads (see sweepStaleUploads) once per process: shortly
 * after start, in the background (start-up neither waits for the bucket nor fails when it is
 * unreachable), and again at the next upload to a destination whose sweep failed, since by then the
 * store may answer.
 */
export function sweepStaleUploadsInBackground(
  destinations: readonly S3Destination[],
  identity: () => Pick<ArtifactIdentity, 'host' | 'service'>,
  report: SweepReport,
): void {
  for (const destination of destinations) {
    const entry = { state: 'pending' as SweepState, run: () => {} };
    entry.run = () => {
      if (entry.state !== 'pending') return;
      entry.state = 'running';
      sweepStaleUploads(destination, identity()).then(
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
    setTimeout(entry.run, START_DELAY_MS).unref();
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
