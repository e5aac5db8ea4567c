import { notFound } from '../errors.js';
import { parseQuery } from '../query.js';
import { scopeOfDump } from './dump-scope.js';
import type { RouteDefinition } from './route.js';

/** `GET {base}/dumps/{id}`: one scheduled dump. */
export const dumpRoute: RouteDefinition = {
  method: 'GET',
  path: '/dumps/:id',
  scope: 'read',
  heavy: false,
  summary: 'One scheduled dump.',
  query: () => ({}),
  handler(req, res, context) {
    parseQuery(req, {});
    const job = context.dumps.get(String(req.params.id));
    if (job === undefined) throw notFound('No such dump.');
    res.json(job);
  },
};

/** `DELETE {base}/dumps/{id}`: cancels a pending dump, or deletes a finished one's file. */
export const deleteDumpRoute: RouteDefinition = {
  method: 'DELETE',
  path: '/dumps/:id',
  scope: scopeOfDump,
  heavy: false,
  summary: "Cancels a pending dump or deletes its file (204); needs the scope of the dump's kind.",
  query: () => ({}),
  handler(req, res, context) {
    parseQuery(req, {});
    if (!context.dumps.delete(String(req.params.id))) throw notFound('No such dump.');
    res.status(204).end();
  },
};
