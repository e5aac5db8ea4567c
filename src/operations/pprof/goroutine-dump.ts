import { fileURLToPath } from 'node:url';
import type { StackFrame, StackSnapshot } from '../js-stack.js';

/**
 * The main thread's stack (captureStack's snapshot) in the text of Go's
 * `/debug/pprof/goroutine?debug=2`, so that tools written for Go services (Pyroscope's and Grafana
 * Alloy's goroutine scrapes, panicparse, a person used to reading Go dumps) can read it:
 *
 *     goroutine 1 [running]:
 *     busyLoop(...)
 *     	/app/server.js:21
 *     Server.emit(...)
 *     	node:events:519
 *
 * The main thread is goroutine 1, as Go's main goroutine is. Each frame is a function line and a
 * tab-indented `file:line`; arguments are not known, which Go writes as `(...)`. Go appends ` +0x..`
 * (a program-counter offset) only when it has one, so it is left out, as is the column (Go has none).
 * Frames an `await` resumed keep their place in the chain, their name marked `async `.
 *
 * A goroutine always has at least one frame in Go's dumps; a thread with no JavaScript on its stack
 * gets one frame that says why, with Go's `?` for an unknown file.
 */
export function formatGoroutineDump(snapshot: StackSnapshot): string {
  const [status, placeholder] = describeState(snapshot);
  const frames = snapshot.frames.length > 0 ? snapshot.frames.map(formatFrame) : [`${placeholder}(...)\n\t?:0`];
  return `goroutine 1 [${status}]:\n${frames.join('\n')}\n`;
}

function formatFrame(frame: StackFrame): string {
  const name = `${frame.async ? 'async ' : ''}${frame.functionName || '(anonymous)'}`;
  return `${name}(...)\n\t${displayPath(frame.url)}:${frame.line ?? 0}`;
}

/** Go prints absolute file paths: file URLs become paths; `node:` modules and other URLs stay as they are. */
function displayPath(url: string): string {
  if (url === '') return '?';
  if (url.startsWith('file://')) {
    try {
      return fileURLToPath(url);
    } catch {
      return url;
    }
  }
  return url;
}

/** Go's wait reason in the brackets, and the name of the stand-in frame when there is no stack. */
function describeState(snapshot: StackSnapshot): [status: string, placeholder: string] {
  switch (snapshot.state) {
    case 'running':
      return ['running', '(unknown)'];
    case 'idle':
      // Go's word for a goroutine parked in the network poller, which is where an idle event loop waits.
      return ['IO wait', '(idle in the event loop)'];
    case 'waiting':
      // Go's word for a goroutine blocked on a sync primitive, which is what Atomics.wait is.
      return ['semacquire', '(blocked in Atomics.wait)'];
    case 'unresponsive':
      // Outside JavaScript: native code, synchronous I/O or a long GC, as a Go goroutine in a system call.
      return ['syscall', '(not running JavaScript: native code, synchronous I/O or GC)'];
    case 'serving-this-request':
      return ['running', '(answering this request on the app thread: router mode)'];
  }
}
