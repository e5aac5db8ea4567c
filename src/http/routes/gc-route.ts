import { collectGarbage } from '../../operations/garbage-collection.js';
import { threadParam, threadTarget } from '../thread-target.js';
import { defineRoute } from './route.js';

/** `POST {base}/gc`: a full garbage collection of the main thread's heap, with the heap before and after. */
export const gcRoute = defineRoute({
  method: 'POST',
  path: '/gc',
  scope: 'heap',
  summary: 'A full garbage collection of the main thread (or ?thread=ID), answering with heap used before and after (bytes).',
  heavy: true,
  params: () => ({ thread: threadParam }),
  operation: { kind: 'gc' },
  async handle({ res, context, params, audit }) {
    const result = await collectGarbage(await threadTarget(context, params.thread));
    audit.auditResult = { freedBytes: result.freedBytes };
    res.json(result);
  },
});
