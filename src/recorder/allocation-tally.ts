import type { CallFrame } from '../operations/cpu-profile.js';
import type { SamplingHeapProfile, SamplingHeapProfileNode } from '../operations/heap-profile.js';
import { PprofBuilder } from '../operations/pprof/pprof-builder.js';

/** Most distinct stacks kept; the rest are added to one `(other stacks)` entry, so memory stays bounded. */
const MAX_STACKS = 5000;
const OTHER: CallFrame[] = [{ functionName: '(other stacks)', url: '', lineNumber: -1, columnNumber: -1, scriptId: '0' }];
const UNSEEN: CallFrame[] = [{ functionName: '(sampled, freed before the recorder looked)', url: '', lineNumber: -1, columnNumber: -1, scriptId: '0' }];

/**
 * What the recorder's live sampler allocated since it started, for `/debug/pprof/allocs`. V8 keeps one
 * sampler per isolate, and the recorder's keeps live objects only (it must answer what is in use), so a
 * sample whose object dies before the recorder's next look (every spill) is
 * never seen with its stack (a scrape answers as of the last spill and adds no look). V8 numbers its samples, though: the gaps count them, and each sample stands
 * for `samplingIntervalBytes` allocated on average (a Poisson process over bytes), so their bytes are
 * known in total, under one entry, while every sample seen keeps its stack.
 */
export class AllocationTally {
  readonly #stacks = new Map<string, { frames: CallFrame[]; space: number }>();
  readonly #startedAtMs = Date.now();
  #lastOrdinal = 0;
  #seen = 0;
  /** Samples never seen by earlier lives of the sampler (another session stopped it; V8 numbers afresh). */
  #unseenBefore = 0;

  constructor(readonly samplingIntervalBytes: number) {}

  /** Adds the samples of `profile` taken since the last look. */
  add(profile: SamplingHeapProfile): void {
    const fresh = profile.samples.filter((sample) => sample.ordinal > this.#lastOrdinal);
    if (fresh.length === 0) return;
    const wanted = new Set(fresh.map((sample) => sample.nodeId));
    const stacks = new Map<number, CallFrame[]>();
    const visit = (node: SamplingHeapProfileNode, frames: CallFrame[]): void => {
      const stack = node === profile.head ? frames : [node.callFrame, ...frames];
      if (wanted.has(node.id)) stacks.set(node.id, stack);
      for (const child of node.children) visit(child, stack);
    };
    visit(profile.head, []);
    for (const sample of fresh) {
      const frames = stacks.get(sample.nodeId) ?? OTHER;
      let key = frames.map((frame) => `${frame.functionName}\u0000${frame.url}\u0000${frame.lineNumber}\u0000${frame.columnNumber}`).join('\u0001');
      if (!this.#stacks.has(key) && this.#stacks.size >= MAX_STACKS) key = 'other';
      const entry = this.#stacks.get(key) ?? { frames: key === 'other' ? OTHER : frames, space: 0 };
      // V8 reports a sample's size already scaled to the allocations it stands for.
      entry.space += sample.size;
      this.#stacks.set(key, entry);
      this.#lastOrdinal = Math.max(this.#lastOrdinal, sample.ordinal);
    }
    this.#seen += fresh.length;
  }

  /** Samples V8 took that the recorder never saw alive (V8 numbers them from 1). */
  get unseenSamples(): number {
    return this.#unseenBefore + Math.max(0, this.#lastOrdinal - this.#seen);
  }

  /** The sampler was started again: its samples are numbered from 1 again. */
  samplerRestarted(): void {
    this.#unseenBefore = this.unseenSamples;
    this.#lastOrdinal = 0;
    this.#seen = 0;
  }

  /** Gzipped pprof with one sample type, `alloc_space`: objects cannot be counted for samples never seen. */
  toPprof(): Buffer {
    const builder = new PprofBuilder();
    for (const { frames, space } of this.#stacks.values()) builder.sample(frames.map((frame) => builder.location(frame)), [Math.round(space)]);
    if (this.unseenSamples > 0) builder.sample([builder.location(UNSEEN[0]!)], [this.unseenSamples * this.samplingIntervalBytes]);
    return builder.encode({
      sampleTypes: [['alloc_space', 'bytes']],
      period: ['space', 'bytes', this.samplingIntervalBytes],
      timeNanos: Math.round(this.#startedAtMs * 1e6),
      durationNanos: Math.round((Date.now() - this.#startedAtMs) * 1e6),
      defaultSampleType: 'alloc_space',
    });
  }
}
