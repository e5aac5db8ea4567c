import { captureStack, formatStackText } from '../../operations/js-stack.js';
import { enumParam, parseQuery } from '../query.js';
import { runOperation } from '../run-operation.js';
import type { RouteDefinition } from './route.js';

const query = () => ({ format: enumParam(['json', 'text'] as const) });

/** How long the main thread gets to answer before it is reported unresponsive (outside JavaScript). */
const STACK_TIMEOUT_MS = 1000;

/** `GET {base}/stack`: where the main thread's JavaScript is right now, even in a blocked event loop. */
export const stackRoute: RouteDefinition = {
  method: 'GET',
  path: '/stack',
  scope: 'profile',
  heavy: false,
  summary: "The main thread's JavaScript stack right now (works while the event loop is blocked); JSON or ?format=text.",
  query,
  async handler(req, res, context) {
    const { format = 'json' } = parseQuery(req, query());
    res.locals.auditParams = { format };
    const snapshot = await runOperation(res, context, 'stack', STACK_TIMEOUT_MS, () => captureStack(context.target, STACK_TIMEOUT_MS));
    if (snapshot === undefined) return;
    res.locals.auditResult = { state: snapshot.state, frames: snapshot.frames.length };
    const pid = await context.target.processId();
    if (format === 'text') {
      res.type('text/plain; charset=utf-8').send(formatStackText(snapshot, pid));
    } else {
      res.json({ pid, ...snapshot });
    }
  },
};
