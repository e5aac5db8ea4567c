import type { CdpTarget } from '../targets/target.js';
import { OperationAbortedError } from '../errors.js';
import { waitUnlessAborted } from './abortable-delay.js';
import { creditedToCallerWarnings } from './credited-to-caller.js';
import { captureStack } from './js-stack.js';

export interface CallFrame {
  functionName: string;
  scriptId: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

export interface CpuProfileNode {
  id: number;
  callFrame: CallFrame;
  hitCount?: number;
  children?: number[];
  positionTicks?: Array<{ line: number; ticks: number }>;
}

/** The DevTools `Profiler.Profile`: what Chrome DevTools, VS Code and speedscope open as `.cpuprofile`. */
export interface CpuProfile {
  nodes: CpuProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

export interface CpuProfileOptions {
  durationMs: number;
  /** Sampling interval in microseconds. */
  intervalUs: number;
  signal?: AbortSignal;
}

export interface CpuProfileResult {
  profile: CpuProfile;
  /** Plain-language caveats about this profile, e.g. samples V8 credited to a caller. */
  warnings: string[];
}

/**
 * Samples the target's CPU for `durationMs`. A client that goes away stops the profiler at once. The
 * Profiler domain is disabled again afterwards, so no profiler state outlives the request.
 */
export async function takeCpuProfile(target: CdpTarget, options: CpuProfileOptions): Promise<CpuProfileResult> {
  await target.send('Profiler.enable');
  try {
    await target.send('Profiler.setSamplingInterval', { interval: options.intervalUs });
    await target.send('Profiler.start');
    // Where the thread is as profiling begins: used to detect samples V8 may credit to a caller. It runs
    // alongside the profile and may take all of it (a busy machine can be slow to serve the interrupt).
    const startingStack = target.capabilities.sameThread ? undefined : captureStack(target, options.durationMs).catch(() => undefined);
    const completed = await waitUnlessAborted(options.durationMs, options.signal);
    const { profile } = await target.send<{ profile: CpuProfile }>('Profiler.stop');
    if (!completed) throw new OperationAbortedError('CPU profile');
    const atStart = await startingStack;
    return { profile, warnings: atStart ? creditedToCallerWarnings(profile, atStart.frames) : [] };
  } finally {
    await target.send('Profiler.disable').catch(() => {});
  }
}
