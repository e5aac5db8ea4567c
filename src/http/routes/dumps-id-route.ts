import { notFound } from '../../errors.js';
import { dumpIdParam } from '../../scheduling/dump-id.js';
import { scopeOfDump } from './dump-scope.js';
import { defineRoute } from './route.js';

/** `GET {base}/dumps/{id}`: one scheduled dump. */
export const dumpRoute = defineRoute({
  method: 'GET',
  path: '/dumps/:id',
  pathParams: { id: dumpIdParam },
  scope: 'read',
  summary: 'One scheduled dump.',
  handle({ pathParams, res, context }) {
    const job = context.dumps.get(pathParams.id);
    if (job === undefined) throw notFound('No such dump.');
    res.json(job);
  },
});

/** `DELETE {base}/dumps/{id}`: cancels a pending dump, or deletes a finished one's file. */
export const deleteDumpRoute = defineRoute({
  method: 'DELETE',
  path: '/dumps/:id',
  pathParams: { id: dumpIdParam },
  scope: scopeOfDump,
  summary: "Cancels a pending dump or deletes its file (204); needs the scope of the dump's kind.",
  handle({ pathParams, res, context }) {
    if (!context.dumps.delete(pathParams.id)) throw notFound('No such dump.');
    res.status(204).end();
  },
});
