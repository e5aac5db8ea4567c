import { diagnosticReport } from '../../operations/diagnostic-report.js';
import { booleanParam, documented } from '../../params/param-spec.js';
import { forbidden } from '../errors.js';
import { defineRoute } from './route.js';

/** `GET {base}/report`: Node's diagnostic report of the app, secrets redacted unless an `eval` token asks otherwise. */
export const reportRoute = defineRoute({
  method: 'GET',
  path: '/report',
  scope: 'read',
  summary: "Node's diagnostic report of the app process (process.report), environment values and credentials redacted.",
  params: () => ({ redact: documented('false shows environment values and credentials; needs the `eval` scope too', booleanParam(true)) }),
  async handle({ res, context, params, caller }) {
    if (!params.redact && !caller.scopes.includes('eval')) {
      throw forbidden('An unredacted report shows environment values and credentials: it needs the "eval" scope.');
    }
    res.json(await diagnosticReport(context.target, { redact: params.redact, allowedArguments: context.config.reportAllowedArguments }));
  },
});
