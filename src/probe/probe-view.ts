import type { LeakDetector } from './leak-detector.js';
import type { ProbeFeed } from './probe-feed.js';
import type { ProbeReader } from './probe-reader.js';

/** The main-thread probe as a consumer sees it: current figures, a GC feed, and the leak verdict. */
export interface ProbeView {
  reader: ProbeReader;
  feed: ProbeFeed;
  leaks: LeakDetector;
  /** The main thread's stop cell for evaluations (eval-stop-cell.ts). */
  evalStop: SharedArrayBuffer;
}
