import { diagnosticReport } from '../../operations/diagnostic-report.js';
import type { Caller } from '../authenticate.js';
import { forbidden } from '../errors.js';
import { booleanParam, parseQuery } from '../query.js';
import type { RouteDefinition } from './route.js';

const query = () => ({ redact: booleanParam });

/** `GET {base}/report`: Node's diagnostic report of the app, secrets redacted unless an `eval` token asks otherwise. */
export const reportRoute: RouteDefinition = {
  method: 'GET',
  path: '/report',
  scope: 'read',
  heavy: false,
  summary: "Node's diagnostic report of the app process (process.report), environment values and credentials redacted.",
  query,
  async handler(req, res, context) {
    const { redact = true } = parseQuery(req, query());
    res.locals.auditParams = { redact };
    const caller = res.locals.caller as Caller;
    if (!redact && !caller.scopes.includes('eval')) {
      throw forbidden('An unredacted report shows environment values and credentials: it needs the "eval" scope.');
    }
    res.json(await diagnosticReport(context.target, { redact, allowedArguments: context.config.reportAllowedArguments }));
  },
};
