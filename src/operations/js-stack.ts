import type { CdpTarget } from '../targets/target.js';
import { evaluate } from '../targets/protocol.js';

export interface StackFrame {
  functionName: string;
  /** Script URL or file path; empty for code without a source (eval'd or native). */
  url: string;
  /** 1-based, as in stack traces and editors. */
  line: number | null;
  column: number | null;
  /** An `await` resumed this frame (V8's zero-cost async stack traces). */
  async: boolean;
}

export type StackState =
  /** The main thread was running JavaScript: `frames` is where, innermost first. */
  | 'running'
  /** The main thread was idle in its event loop (nothing on the JavaScript stack). */
  | 'idle'
  /**
   * The thread is blocked in Atomics.wait: V8 serves interrupts between the wait's wake-ups, so the stack
   * is taken, with Atomics.wait as its innermost frame and the caller below it.
   */
  | 'waiting'
  /** No answer in time: the thread is outside JavaScript (synchronous I/O, a native addon, a long GC). */
  | 'unresponsive'
  /** The session runs on the inspected thread itself, which is busy answering this very request. */
  | 'serving-this-request';

export interface StackSnapshot {
  state: StackState;
  capturedAt: string;
  /** How long the main thread took to answer, in milliseconds. */
  latencyMs: number;
  frames: StackFrame[];
}

const GLOBAL_HOOK = '__maintenanceEndpointStack';

/**
 * Runs on the main thread inside a V8 interrupt: it captures the stack the interrupt arrived on,
 * structured by V8's CallSite API, and drops its own frames. Error.stackTraceLimit and
 * Error.prepareStackTrace are restored exactly before returning: no app code can run in between, and
 * nothing is left behind (no debugger, no breakpoints, no global).
 */
const CAPTURE_EXPRESSION = `(function ${GLOBAL_HOOK}() {
  const limitDescriptor = Object.getOwnPropertyDescriptor(Error, 'stackTraceLimit');
  const prepareDescriptor = Object.getOwnPropertyDescriptor(Error, 'prepareStackTrace');
  try {
    Error.stackTraceLimit = 200;
    Error.prepareStackTrace = (_error, sites) => sites.map((site) => ({
      // A builtin (no script at all, as Atomics.wait) is named with its holder: Atomics.wait, not wait.
      functionName: (site.getFileName() == null && !site.getScriptNameOrSourceURL() && site.getTypeName() && site.getFunctionName() ? site.getTypeName() + '.' + site.getFunctionName() : '') ||
        site.getFunctionName() || (site.getTypeName() && site.getMethodName() ? site.getTypeName() + '.' + site.getMethodName() : '') || '(anonymous)',
      url: site.getScriptNameOrSourceURL() || site.getFileName() || '',
      line: site.getLineNumber(),
      column: site.getColumnNumber(),
      async: typeof site.isAsync === 'function' && site.isAsync(),
    }));
    const holder = {};
    Error.captureStackTrace(holder, ${GLOBAL_HOOK});
    // The first frame left is the evaluated script's own top level, which called this function.
    return JSON.stringify(holder.stack.slice(1));
  } finally {
    if (limitDescriptor) Object.defineProperty(Error, 'stackTraceLimit', limitDescriptor); else delete Error.stackTraceLimit;
    if (prepareDescriptor) Object.defineProperty(Error, 'prepareStackTrace', prepareDescriptor); else delete Error.prepareStackTrace;
  }
})()`;

/** How long the main thread gets to answer a request for its stack before it is reported outside JavaScript. */
export const STACK_ANSWER_TIMEOUT_MS = 1000;

/**
 * The target's JavaScript stack right now. A Runtime.evaluate is served by a V8 interrupt, so it lands
 * wherever the thread is, even deep in a busy loop, and costs about a millisecond. Unlike pausing in
 * the debugger it leaves no state behind: the app runs on exactly as before.
 */
export async function captureStack(target: CdpTarget, timeoutMs: number): Promise<StackSnapshot> {
  const capturedAt = new Date().toISOString();
  const started = performance.now();
  if (target.capabilities.sameThread) {
    return { state: 'serving-this-request', capturedAt, latencyMs: 0, frames: [] };
  }
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), timeoutMs);
  });
  const evaluation = evaluate<string>(target, 'Stack capture', CAPTURE_EXPRESSION);
  const result = await Promise.race([evaluation, timeout]).finally(() => clearTimeout(timer));
  const latencyMs = performance.now() - started;
  if (result === undefined) {
    evaluation.catch(() => {}); // it may still complete once the thread is back in JavaScript; nobody needs it then
    return { state: 'unresponsive', capturedAt, latencyMs, frames: [] };
  }
  const frames = JSON.parse(result) as StackFrame[];
  return { state: stateOf(frames), capturedAt, latencyMs, frames };
}

function stateOf(frames: StackFrame[]): StackState {
  if (frames.length === 0) return 'idle';
  return frames[0]!.functionName === 'Atomics.wait' && frames[0]!.url === '' ? 'waiting' : 'running';
}

export function formatStackText(snapshot: StackSnapshot, pid: number, thread = 0): string {
  const head = `${thread === 0 ? 'Main thread' : `Worker thread ${thread}`} of process ${pid} at ${snapshot.capturedAt}: ${describeState(snapshot.state)}`;
  const lines = snapshot.frames.map(
    (frame) =>
      `    at ${frame.async ? 'async ' : ''}${frame.functionName} (${frame.url || '<anonymous>'}${frame.line === null ? '' : `:${frame.line}:${frame.column ?? 0}`})`,
  );
  return [head, ...lines].join('\n') + '\n';
}

function describeState(state: StackState): string {
  switch (state) {
    case 'running':
      return 'running JavaScript';
    case 'idle':
      return 'idle in the event loop';
    case 'waiting':
      return 'blocked in Atomics.wait';
    case 'unresponsive':
      return 'not running JavaScript (synchronous I/O, native code or a long GC); no stack could be taken';
    case 'serving-this-request':
      return 'busy answering this request (router mode shares the app thread; use startMaintenanceServer for live stacks)';
  }
}
