import { collectGarbage } from '../../operations/garbage-collection.js';
import { parseQuery } from '../query.js';
import { runOperation } from '../run-operation.js';
import type { RouteDefinition } from './route.js';

/** `POST {base}/gc`: a full garbage collection of the main thread's heap, with the heap before and after. */
export const gcRoute: RouteDefinition = {
  method: 'POST',
  path: '/gc',
  scope: 'heap',
  heavy: true,
  summary: 'A full garbage collection of the main thread, answering with heap used before and after (bytes).',
  query: () => ({}),
  async handler(req, res, context) {
    parseQuery(req, {});
    const result = await runOperation(res, context, 'gc', undefined, () => collectGarbage(context.target));
    if (result === undefined) return;
    res.locals.auditResult = { freedBytes: result.freedBytes };
    res.json(result);
  },
};
