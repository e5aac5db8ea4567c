import { captureStack, STACK_ANSWER_TIMEOUT_MS, formatStackText } from '../../operations/js-stack.js';
import { documented, enumParam } from '../../params/param-spec.js';
import { threadParam, threadTarget } from '../thread-target.js';
import { defineRoute } from './route.js';

/** `GET {base}/stack`: where the main thread's JavaScript is right now, even in a blocked event loop. */
export const stackRoute = defineRoute({
  method: 'GET',
  path: '/stack',
  scope: 'profile',
  summary: "The main thread's (or ?thread=ID's) JavaScript stack right now (works while the event loop is blocked); JSON or ?format=text.",
  params: () => ({ format: documented('JSON, or text like a Node stack trace', enumParam(['json', 'text'] as const, 'json')), thread: threadParam }),
  operation: { kind: 'stack', expectedMs: () => STACK_ANSWER_TIMEOUT_MS },
  async handle({ res, context, params, audit }) {
    const snapshot = await captureStack(await threadTarget(context, params.thread), STACK_ANSWER_TIMEOUT_MS);
    audit.auditResult = { state: snapshot.state, frames: snapshot.frames.length };
    const pid = await context.target.processId();
    if (params.format === 'text') {
      res.type('text/plain; charset=utf-8').send(formatStackText(snapshot, pid, params.thread ?? 0));
    } else {
      res.json({ pid, thread: params.thread ?? 0, ...snapshot });
    }
  },
});
