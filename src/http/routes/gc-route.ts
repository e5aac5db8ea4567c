import { collectGarbage } from '../../operations/garbage-collection.js';
import { defineRoute } from './route.js';

/** `POST {base}/gc`: a full garbage collection of the main thread's heap, with the heap before and after. */
export const gcRoute = defineRoute({
  method: 'POST',
  path: '/gc',
  scope: 'heap',
  summary: 'A full garbage collection of the main thread, answering with heap used before and after (bytes).',
  heavy: true,
  operation: { kind: 'gc' },
  async handle({ res, context, audit }) {
    const result = await collectGarbage(context.target);
    audit.auditResult = { freedBytes: result.freedBytes };
    res.json(result);
  },
});
