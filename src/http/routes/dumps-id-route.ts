import { notFound } from '../../errors.js';
import { scopeOfDump } from './dump-scope.js';
import { defineRoute } from './route.js';

/** `GET {base}/dumps/{id}`: one scheduled dump. */
export const dumpRoute = defineRoute({
  method: 'GET',
  path: '/dumps/:id',
  scope: 'read',
  summary: 'One scheduled dump.',
  handle({ req, res, context }) {
    const job = context.dumps.get(String(req.params.id));
    if (job === undefined) throw notFound('No such dump.');
    res.json(job);
  },
});

/** `DELETE {base}/dumps/{id}`: cancels a pending dump, or deletes a finished one's file. */
export const deleteDumpRoute = defineRoute({
  method: 'DELETE',
  path: '/dumps/:id',
  scope: scopeOfDump,
  summary: "Cancels a pending dump or deletes its file (204); needs the scope of the dump's kind.",
  handle({ req, res, context }) {
    if (!context.dumps.delete(String(req.params.id))) throw notFound('No such dump.');
    res.status(204).end();
  },
});
