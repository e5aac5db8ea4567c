import { evaluateJson } from '../targets/protocol.js';
import type { CdpTarget } from '../targets/target.js';
import { redactReport } from './redact-secrets.js';

export { REDACTED, redactArguments, redactReport } from './redact-secrets.js';

/**
 * Where Node supports it (process.report.excludeEnv), the environment is left out of a redacted report
 * at the source; the setting is restored at once, so the app's own reports are unchanged.
 */
const REPORT_WITHOUT_ENV = `(() => {
  const report = process.report;
  const has = 'excludeEnv' in report;
  const before = has ? report.excludeEnv : undefined;
  if (has) report.excludeEnv = true;
  try { return report.getReport(); } finally { if (has) report.excludeEnv = before; }
})()`;

/**
 * Node's diagnostic report of the target process (`process.report.getReport()`), produced on the
 * target's main thread so that its JavaScript stack and heap are the app's. Redacted unless told
 * otherwise (see redactReport); `allowedArguments` are command-line arguments known to be harmless.
 */
export async function diagnosticReport(
  target: CdpTarget,
  { redact, allowedArguments = [] }: { redact: boolean; allowedArguments?: readonly string[] },
): Promise<Record<string, any>> {
  const report = await evaluateJson<Record<string, any>>(target, 'process.report.getReport()', redact ? REPORT_WITHOUT_ENV : 'process.report.getReport()');
  return redact ? redactReport(report, allowedArguments) : report;
}
