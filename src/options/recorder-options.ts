import { ConfigError } from '../errors.js';

/**
 * `recorder`: the always-on recorder (docs/recorder.md). Off unless the app opts in: it keeps V8's one
 * sampling heap profiler of the process running, and each spill forces a full GC (V8 collects before it
 * answers a sampling profile), a cost the app accepts by enabling it.
 */
export interface RecorderOptions {
  /** Keep the last minute and spill it to the store. Default false. */
  enabled?: boolean;
  /** How often the recording is spilled to the store, in seconds (1 to 60). Default 5. */
  spillSeconds?: number;
  /** Mean bytes allocated between two heap samples (64 KiB to 16 MiB). Default 2 MiB: Go's 512 KiB cost an allocation-heavy loop a few percent more in V8. */
  samplingIntervalBytes?: number;
}

export interface ResolvedRecorderConfig {
  spillSeconds: number;
  samplingIntervalBytes: number;
}

const fail = (name: string, message: string) => new ConfigError('INVALID_OPTIONS', `\`recorder.${name}\` ${message}`);

/** The recorder's settings, or undefined when it is off. */
export function resolveRecorderOptions(value: RecorderOptions | undefined): ResolvedRecorderConfig | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ConfigError('INVALID_OPTIONS', '`recorder` must be an object such as { enabled: true }.');
  if (value.enabled !== undefined && typeof value.enabled !== 'boolean') throw fail('enabled', 'must be true or false.');
  const spillSeconds = integerIn('spillSeconds', value.spillSeconds, 1, 60, 5);
  const samplingIntervalBytes = integerIn('samplingIntervalBytes', value.samplingIntervalBytes, 64 * 1024, 16 * 1024 * 1024, 2 * 1024 * 1024);
  return value.enabled === true ? { spillSeconds, samplingIntervalBytes } : undefined;
}

function integerIn(name: string, value: unknown, min: number, max: number, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) throw fail(name, `must be an integer from ${min} to ${max}.`);
  return value;
}
