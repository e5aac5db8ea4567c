import type { CdpTarget } from '../targets/target.js';
import { OperationAbortedError } from '../errors.js';
import { waitUnlessAborted } from './abortable-delay.js';
import { captureStack, type StackFrame } from './js-stack.js';

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
    // Where the thread is as profiling begins: used to detect samples V8 may credit to a caller.
    const atStart = target.capabilities.sameThread ? undefined : await captureStack(target, 1000).catch(() => undefined);
    const completed = await waitUnlessAborted(options.durationMs, options.signal);
    const { profile } = await target.send<{ profile: CpuProfile }>('Profiler.stop');
    if (!completed) throw new OperationAbortedError('CPU profile');
    return { profile, warnings: atStart ? creditedToCallerWarnings(profile, atStart.frames) : [] };
  } finally {
    await target.send('Profiler.disable').catch(() => {});
  }
}

/**
 * V8 cannot name code that was optimized on the stack (OSR) before the profiler started: samples taken
 * in a function that was already running, such as a busy loop that blocks the event loop, are credited
 * to its nearest known caller. This finds functions that were on the stack at the start, are absent
 * from the profile, and sit above a caller that is present, and says so rather than letting the
 * profile mislead silently.
 */
export function creditedToCallerWarnings(profile: CpuProfile, framesAtStart: readonly StackFrame[]): string[] {
  const named = new Set(profile.nodes.map((node) => key(node.callFrame.functionName || '(anonymous)', node.callFrame.url)));
  const frames = framesAtStart.filter((frame) => frame.url !== '');
  const firstPresent = frames.findIndex((frame) => named.has(key(frame.functionName, frame.url)));
  if (firstPresent <= 0) return [];
  const missing = frames.slice(0, firstPresent).map((frame) => frame.functionName);
  const caller = frames[firstPresent]!;
  const callerName = `${caller.functionName} (${caller.url}:${caller.line ?? 0})`;
  return [
    `${missing.join(' < ')} ${missing.length > 1 ? 'were' : 'was'} already running when profiling started; ` +
      `V8 credits ${missing.length > 1 ? 'their' : 'its'} samples to ${callerName}. Use /stack for the exact frames, ` +
      'or profile again once the function is re-entered.',
  ];
}

function key(functionName: string, url: string): string {
  return `${functionName}\u0000${url}`;
}
