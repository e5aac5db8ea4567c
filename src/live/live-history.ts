import { readMemoryViaInspector, type InspectorMemoryFigures } from '../operations/memory-usage.js';
import type { GcKind } from '../probe/probe-layout.js';
import type { ProbeView } from '../probe/probe-view.js';
import type { CdpTarget } from '../targets/target.js';
import { addGcEvents, emptyGcPauses, sampleFromInspector, sampleFromProbe, type GcPauses, type LiveSample } from './live-sample.js';
import { SampleRing } from './sample-ring.js';
import { StreamSlots } from './stream-slots.js';
import { contained } from '../contained.js';

export type SampleListener = (sample: LiveSample) => void;

/**
 * While no stream is open, the probe's live figures are refreshed this often rather than every
 * second: the history stays useful (event-loop delay is a 10 s window anyway) and an app nobody
 * watches pays the refresh's few hundred bytes of its heap a tenth as often.
 */
const UNWATCHED_REFRESH_MS = 10_000;

export interface LiveHistoryOptions {
  target: CdpTarget;
  probe: ProbeView | undefined;
  /** How often a sample is taken. Default 1 s. */
  intervalMs?: number;
  /** How many samples are kept. Default 900: fifteen minutes at one a second. */
  capacity?: number;
  /** How many event streams may be open at once. Default 4. */
  maxStreams?: number;
  /** The process's resident set size; the probe does not carry it (it is read fresh, process-wide). */
  rss?: () => number;
}

/**
 * The last fifteen minutes of the process, one sample a second, for the console: a new page draws the
 * history at once, then follows the samples as they are taken.
 *
 * With a probe in the target the samples are read from its shared memory on the serving thread, so
 * they keep coming (stale, and saying so) while the app's loop is blocked; sampling then costs a read
 * of shared memory and runs always. Without a probe (a sidecar) each sample is a round trip to the
 * target's main thread, so it runs only while a stream is open and never has two reads in flight.
 */
export class LiveHistory {
  readonly streams: StreamSlots;
  readonly #ring: SampleRing<LiveSample>;
  readonly #listeners = new Set<SampleListener>();
  readonly #target: CdpTarget;
  readonly #probe: ProbeView | undefined;
  readonly #rss: () => number;
  readonly #intervalMs: number;
  #timer: NodeJS.Timeout | undefined;
  #gc: Record<GcKind, GcPauses> = emptyGcPauses();
  #lastMajorGcAt: number | null = null;
  #inspected: { figures: InspectorMemoryFigures | undefined; takenAt: number } = { figures: undefined, takenAt: Date.now() };
  #inspecting = false;
  #closed = false;
  #liveAskedAt = 0;

  constructor({ target, probe, intervalMs = 1000, capacity = 900, maxStreams = 4, rss = () => process.memoryUsage.rss() }: LiveHistoryOptions) {
    this.#target = target;
    this.#probe = probe;
    this.#rss = rss;
    this.#intervalMs = intervalMs;
    this.#ring = new SampleRing(capacity);
    this.streams = new StreamSlots(maxStreams);
    if (probe !== undefined) {
      probe.feed.onEvents((events) => {
        addGcEvents(this.#gc, events);
        for (const event of events) if (event.kind === 'major') this.#lastMajorGcAt = Math.max(this.#lastMajorGcAt ?? 0, event.time);
      });
      this.#start();
    }
  }

  get intervalMs(): number {
    return this.#intervalMs;
  }

  /** The samples kept, oldest first. */
  history(): LiveSample[] {
    return this.#ring.toArray();
  }

  /** Calls `listener` with every new sample until the returned function is called. */
  subscribe(listener: SampleListener): () => void {
    this.#listeners.add(listener);
    if (this.#probe === undefined) this.#start();
    return () => {
      this.#listeners.delete(listener);
      if (this.#probe === undefined && this.#listeners.size === 0) this.#stop();
    };
  }

  close(): void {
    this.#closed = true;
    this.#stop();
    this.#listeners.clear();
  }

  #start(): void {
    if (this.#timer !== undefined || this.#closed) return;
    this.#timer = setInterval(contained('the console history', () => this.#tick()), this.#intervalMs).unref();
    contained('the console history', () => this.#tick())();
  }

  #stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #tick(): void {
    const now = Date.now();
    let sample: LiveSample;
    if (this.#probe !== undefined) {
      // Drain first so this second's GCs land in this sample, not the next.
      this.#probe.feed.drain();
      const ask = this.#listeners.size > 0 || now - this.#liveAskedAt >= UNWATCHED_REFRESH_MS;
      if (ask) this.#liveAskedAt = now;
      sample = sampleFromProbe(this.#probe.reader.figures(ask ? 'live' : 'as-is'), this.#gc, this.#lastMajorGcAt, this.#residentSetSize(), now);
      this.#gc = emptyGcPauses();
    } else {
      this.#inspect();
      sample = sampleFromInspector(this.#inspected.figures, this.#inspected.takenAt, now);
    }
    this.#ring.push(sample);
    for (const listener of this.#listeners) listener(sample);
  }

  /**
   * The resident set size, or null when it cannot be read: libuv opens /proc/self/stat for it, which fails
   * with EMFILE while the app has no descriptor left, the very moment an operator wants the figures.
   */
  #residentSetSize(): number | null {
    try {
      return this.#rss();
    } catch {
      return null;
    }
  }

  /** One read at a time: a target that does not answer gets no pile of requests, and its figures age. */
  #inspect(): void {
    if (this.#inspecting) return;
    this.#inspecting = true;
    readMemoryViaInspector(this.#target)
      .then((figures) => {
        this.#inspected = { figures, takenAt: Date.now() };
      })
      .catch(() => {
        // Unreachable for now (a sidecar's target restarting): the figures age until it answers again.
      })
      .finally(() => {
        this.#inspecting = false;
      });
  }
}
