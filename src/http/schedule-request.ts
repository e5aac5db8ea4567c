import type { Request, Response } from 'express';
import type { ArtifactRequest } from '../scheduling/produce-artifact.js';
import { parseTrigger } from '../scheduling/triggers.js';
import type { ApiContext } from './api-context.js';
import type { ParamSpec } from './query.js';

const text = (describe: string): ParamSpec<string> => ({ describe, parse: (raw) => (raw === '' ? undefined : raw) });

/** The scheduling parameters every artifact endpoint accepts; their values are checked by parseTrigger. */
export const scheduleParams = {
  delay: text('a duration up to 24h (90s, 5m, 2h; plain numbers are seconds): run later and keep the result'),
  at: text('an ISO 8601 time within the next 24 h: run then and keep the result'),
  when: text('gc (after the next major GC) or heap-above:<size|percent> (1.5GB, 80%): run when it happens'),
  expires: text('with when: give up after this duration'),
};

/**
 * When the query asks for later (delay, at or when), schedules the job, answers 202 with its Location,
 * and returns true; otherwise returns false and the route streams the artifact now.
 */
export function scheduleIfRequested(
  req: Request,
  res: Response,
  context: ApiContext,
  query: { delay?: string; at?: string; when?: string; expires?: string },
  request: () => ArtifactRequest,
): boolean {
  const trigger = parseTrigger(query);
  if (trigger === undefined) return false;
  const job = context.dumps.schedule(request(), trigger);
  res.locals.auditResult = { scheduled: job.id };
  res
    .status(202)
    .location(`${req.baseUrl}/dumps/${job.id}`)
    .json({ id: job.id, kind: job.kind, status: job.status, created: job.created, trigger: job.trigger });
  return true;
}
