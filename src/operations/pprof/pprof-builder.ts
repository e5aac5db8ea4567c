import { gzipSync } from 'node:zlib';
import { Function as PprofFunction, Line, Location, Profile, Sample, StringTable, ValueType } from 'pprof-format';
import type { CallFrame } from '../cpu-profile.js';

/**
 * Accumulates functions, locations and samples for a pprof Profile, deduplicating functions by their
 * name, file and position. Frames come from DevTools call frames (0-based lines, as V8 reports them);
 * pprof lines are 1-based.
 */
export class PprofBuilder {
  readonly strings = new StringTable();
  readonly #functions = new Map<string, PprofFunction>();
  readonly #locations = new Map<string, Location>();
  readonly #samples: Sample[] = [];

  /** Location id for a frame, created on first use. */
  location(frame: CallFrame): number {
    const name = frame.functionName || '(anonymous)';
    const line = frame.lineNumber >= 0 ? frame.lineNumber + 1 : 0;
    const key = `${name}\u0000${frame.url}\u0000${line}\u0000${frame.columnNumber}`;
    let location = this.#locations.get(key);
    if (location === undefined) {
      let fn = this.#functions.get(key);
      if (fn === undefined) {
        fn = new PprofFunction({
          id: this.#functions.size + 1,
          name: this.strings.dedup(name),
          systemName: this.strings.dedup(name),
          filename: this.strings.dedup(frame.url),
          startLine: line,
        });
        this.#functions.set(key, fn);
      }
      location = new Location({ id: this.#locations.size + 1, line: [new Line({ functionId: fn.id, line })] });
      this.#locations.set(key, location);
    }
    return Number(location.id);
  }

  /** A sample: its stack as location ids, innermost first, and one value per sample type. */
  sample(locationIds: number[], values: number[]): void {
    this.#samples.push(new Sample({ locationId: locationIds, value: values }));
  }

  /** The gzipped protobuf that `go tool pprof`, Pyroscope and Grafana read (`.pb.gz`). */
  encode(options: {
    sampleTypes: Array<[type: string, unit: string]>;
    period: [type: string, unit: string, value: number];
    timeNanos: number;
    durationNanos: number;
    /** The sample type tools show first (`go tool pprof`'s -sample_index), as Go sets it: inuse_space for heap, cpu for CPU. */
    defaultSampleType?: string;
  }): Buffer {
    const valueType = ([type, unit]: [string, string]) =>
      new ValueType({ type: this.strings.dedup(type), unit: this.strings.dedup(unit) });
    const profile = new Profile({
      sampleType: options.sampleTypes.map(valueType),
      sample: this.#samples,
      location: [...this.#locations.values()],
      function: [...this.#functions.values()],
      periodType: valueType([options.period[0], options.period[1]]),
      period: options.period[2],
      timeNanos: options.timeNanos,
      durationNanos: options.durationNanos,
      ...(options.defaultSampleType !== undefined && { defaultSampleType: this.strings.dedup(options.defaultSampleType) }),
      stringTable: this.strings,
    });
    return gzipSync(profile.encode());
  }
}
