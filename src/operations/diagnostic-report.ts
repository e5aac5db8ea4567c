import { evaluateJson } from '../targets/protocol.js';
import type { CdpTarget } from '../targets/target.js';

export const REDACTED = '[REDACTED]';

/** Command-line words that carry a credential as `--name=value`, and URLs that carry one as userinfo. */
const SECRET_NAME = /(pass(word|wd)?|secret|token|api[-_]?key|auth|credential|private[-_]?key|session|cookie|signature)/i;
const URL_USERINFO = /([a-z][a-z0-9+.-]*:\/\/)[^/@\s]+@/gi;

/**
 * Node's diagnostic report of the target process (`process.report.getReport()`), produced on the
 * target's main thread so that its JavaScript stack and heap are the app's. The report is redacted
 * unless told otherwise: environment values, credential-like command-line values and URL userinfo.
 */
export async function diagnosticReport(target: CdpTarget, { redact }: { redact: boolean }): Promise<Record<string, any>> {
  const report = await evaluateJson<Record<string, any>>(target, 'process.report.getReport()', 'process.report.getReport()');
  return redact ? redactReport(report) : report;
}

export function redactReport(report: Record<string, any>): Record<string, any> {
  const copy = structuredClone(report);
  if (copy.environmentVariables && typeof copy.environmentVariables === 'object') {
    for (const name of Object.keys(copy.environmentVariables)) copy.environmentVariables[name] = REDACTED;
  }
  if (copy.header && Array.isArray(copy.header.commandLine)) copy.header.commandLine = redactArguments(copy.header.commandLine);
  // Each worker thread's report is embedded whole, with its own environment and command line.
  if (Array.isArray(copy.workers)) copy.workers = copy.workers.map((worker: Record<string, any>) => redactReport(worker));
  return copy;
}

export function redactArguments(args: string[]): string[] {
  const out: string[] = [];
  args.forEach((arg, index) => {
    const previous = args[index - 1];
    let value = arg.replace(URL_USERINFO, `$1${REDACTED}@`);
    const assignment = /^(-{0,2}[A-Za-z_][\w.-]*)=(.*)$/.exec(value);
    if (assignment && SECRET_NAME.test(assignment[1]!)) value = `${assignment[1]}=${REDACTED}`;
    // `--password VALUE`: the word after a credential-named flag is its value, whatever it looks like.
    else if (previous !== undefined && /^-{1,2}[^=]+$/.test(previous) && SECRET_NAME.test(previous)) value = REDACTED;
    out.push(value);
  });
  return out;
}
