import type { StackSnapshot } from '../js-stack.js';
import { PprofBuilder } from './pprof-builder.js';

/**
 * The main thread's stack as Go's goroutine profile (`/debug/pprof/goroutine`, debug=0): pprof with one
 * sample type, `goroutine/count`, and one sample, the main thread as goroutine 1 with its stack
 * (innermost first). A thread with no JavaScript on its stack is one sample with no frames.
 */
export function goroutineProfile(snapshot: StackSnapshot, takenAtMs: number): Buffer {
  const builder = new PprofBuilder();
  const stack = snapshot.frames.map((frame) =>
    builder.location({
      functionName: `${frame.async ? 'async ' : ''}${frame.functionName}`,
      scriptId: '',
      url: frame.url,
      // The builder takes DevTools' 0-based positions; a stack frame's are 1-based.
      lineNumber: frame.line === null ? -1 : frame.line - 1,
      columnNumber: frame.column === null ? -1 : frame.column - 1,
    }),
  );
  builder.sample(stack, [1]);
  return builder.encode({
    sampleTypes: [['goroutine', 'count']],
    period: ['goroutine', 'count', 1],
    timeNanos: Math.round(takenAtMs * 1e6),
    durationNanos: 0,
    defaultSampleType: 'goroutine',
  });
}
