import { captureStack, STACK_ANSWER_TIMEOUT_MS } from '../../operations/js-stack.js';
import { documented, enumParam } from '../../params/param-spec.js';
import { defineRoute } from './route.js';

/**
 * `GET {base}/debug/pprof/goroutine`: the main thread's stack where Go tools look for goroutines, with
 * /stack's scope, slot and audit. As Go: debug=0 (the default) is a pprof goroutine profile, debug=1
 * and debug=2 are text; both text forms are Go's debug=2 form here, since there is one thread to show
 * and debug=1's grouping by identical stacks would change nothing.
 */
export const debugPprofGoroutineRoute = defineRoute({
  method: 'GET',
  path: '/debug/pprof/goroutine',
  scope: 'profile',
  summary: "The main thread's stack as Go's goroutine dump: pprof (debug=0) or text (debug=1 or 2); works while the event loop is blocked.",
  params: () => ({ debug: documented('0: pprof goroutine profile; 1 or 2: text as Go\'s debug=2', enumParam(['0', '1', '2'] as const, '0')) }),
  operation: { kind: 'stack', expectedMs: () => STACK_ANSWER_TIMEOUT_MS },
  async handle({ res, context, params, audit }) {
    const takenAtMs = Date.now();
    const snapshot = await captureStack(context.target, STACK_ANSWER_TIMEOUT_MS);
    audit.auditResult = { state: snapshot.state, frames: snapshot.frames.length };
    // The pprof encoder loads on first use: an idle server does not hold it.
    if (params.debug === '0') {
      const { goroutineProfile } = await import('../../operations/pprof/goroutine-profile.js');
      res.type('application/octet-stream').setHeader('Content-Disposition', 'attachment; filename="goroutine"');
      res.send(goroutineProfile(snapshot, takenAtMs));
    } else {
      const { formatGoroutineDump } = await import('../../operations/pprof/goroutine-dump.js');
      res.type('text/plain; charset=utf-8').send(formatGoroutineDump(snapshot));
    }
  },
});
