import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { StackFrame } from './js-stack.js';

/** The parts of a DevTools CPU profile this check reads. */
export interface ProfileForCredit {
  nodes: ReadonlyArray<{
    callFrame: { functionName: string; url: string };
    hitCount?: number;
    /** Samples of this node by source line (1-based), as V8 reports them. */
    positionTicks?: ReadonlyArray<{ line: number; ticks: number }>;
  }>;
  samples?: readonly number[];
}

/**
 * Below this share of the profile, samples credited to a call site cannot mislead anyone: a function
 * the stack capture merely happened to land in (and that returned at once) has a tick or two at most.
 */
const MISLEADING_SHARE = 0.05;

/**
 * V8 cannot name code that was optimized while it was running (on-stack replacement) before the
 * profiler started, and it keeps reusing that code on later calls: samples taken in such a function,
 * such as a busy loop that blocks the event loop, are credited to the line of its caller that calls it.
 *
 * Given the stack as profiling began (innermost first), this finds the innermost frame whose function
 * the profile knows; if functions above it are absent from the profile while that caller's calling
 * line holds a real share of the samples, those samples are the absent functions' and the profile
 * would mislead silently, so it says so. A function that is absent because it simply returned at once
 * leaves no such ticks and is not reported.
 */
export function creditedToCallerWarnings(profile: ProfileForCredit, framesAtStart: readonly StackFrame[]): string[] {
  const totalSamples = profile.samples?.length ?? profile.nodes.reduce((sum, node) => sum + (node.hitCount ?? 0), 0);
  if (totalSamples === 0) return [];
  const nodesByFunction = new Map<string, Array<ProfileForCredit['nodes'][number]>>();
  for (const node of profile.nodes) {
    const key = functionKey(node.callFrame.functionName || '(anonymous)', node.callFrame.url);
    nodesByFunction.set(key, [...(nodesByFunction.get(key) ?? []), node]);
  }
  const frames = framesAtStart.filter((frame) => frame.url !== '').map((frame) => ({ ...frame, url: asProfileUrl(frame.url) }));
  const firstPresent = frames.findIndex((frame) => nodesByFunction.has(functionKey(frame.functionName, frame.url)));
  if (firstPresent <= 0) return [];
  const caller = frames[firstPresent]!;
  const callerNodes = nodesByFunction.get(functionKey(caller.functionName, caller.url))!;
  const ticksOnCallingLine = callerNodes.reduce(
    (sum, node) =>
      sum + (node.positionTicks === undefined ? (node.hitCount ?? 0) : node.positionTicks.filter((tick) => tick.line === caller.line).reduce((s, tick) => s + tick.ticks, 0)),
    0,
  );
  if (ticksOnCallingLine < MISLEADING_SHARE * totalSamples) return [];
  const missing = frames.slice(0, firstPresent).map((frame) => frame.functionName);
  const callerName = `${caller.functionName} (${caller.url}:${caller.line ?? 0})`;
  const share = Math.round((100 * ticksOnCallingLine) / totalSamples);
  return [
    `${missing.join(' < ')} ${missing.length > 1 ? 'have' : 'has'} no samples of ${missing.length > 1 ? 'their' : 'its'} own: ` +
      `V8 credits them to the calling line of ${callerName}, ${share}% of samples (code optimized while it was running ` +
      'before profiling started cannot be named). Use /stack for the exact frames.',
  ];
}

/**
 * Stack traces name a CommonJS module by its path, the profiler by its file URL; ES modules and
 * built-ins are named alike in both.
 */
function asProfileUrl(url: string): string {
  return isAbsolute(url) ? pathToFileURL(url).href : url;
}

function functionKey(functionName: string, url: string): string {
  return `${functionName}\u0000${url}`;
}
