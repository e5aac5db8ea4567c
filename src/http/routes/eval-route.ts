import { MaintenanceError } from '../../errors.js';
import { completions } from '../../operations/eval/completions.js';
import { evaluateExpression } from '../../operations/eval/evaluate-expression.js';
import { booleanParam, documented, integerParam } from '../../params/param-spec.js';
import { described, jsonField, required, stringField } from '../../params/body-spec.js';
import type { ProbeView } from '../../probe/probe-view.js';
import { forbidden } from '../errors.js';
import { defineRoute } from './route.js';

/** What the audit line keeps of an expression: its start, enough to tell what was run. */
export const AUDITED_EXPRESSION_CHARS = 500;

/**
 * `POST {base}/eval`: a JavaScript expression evaluated on the app's main thread, read-only unless the
 * app and the request both allow side effects. Exists only when the app set `eval.enabled`.
 */
export const evalRoute = defineRoute({
  method: 'POST',
  path: '/eval',
  scope: 'eval',
  summary: "Evaluate a JavaScript expression on the app's main thread: read-only, time-limited, answered with a capped preview.",
  enabled: (config) => config.eval.enabled,
  operation: { kind: 'eval' },
  bodyLimitBytes: 128 * 1024,
  body: (config) => ({
    expression: required(described('the JavaScript to evaluate in the global scope; the value of its last expression statement is answered', stringField(100_000))),
    timeoutMs: jsonField('number', documented('stop the evaluation after this many milliseconds (a promise is awaited within the same limit)', integerParam(1, config.eval.maxTimeoutMs, Math.min(1000, config.eval.maxTimeoutMs)))),
    sideEffects: jsonField('boolean', documented('let the expression change state; only where the app set eval.allowSideEffects', booleanParam(false))),
    depth: jsonField('number', documented('how deep the preview expands objects', integerParam(0, 5, 2))),
  }),
  async handle({ res, context, body, audit }) {
    audit.auditParams = { expression: body.expression.slice(0, AUDITED_EXPRESSION_CHARS), expressionLength: body.expression.length, sideEffects: body.sideEffects, timeoutMs: body.timeoutMs };
    if (body.sideEffects && !context.config.eval.allowSideEffects) {
      audit.auditResult = { outcome: 'refused' };
      throw forbidden('This app does not allow side effects in evaluations (eval.allowSideEffects is off).');
    }
    try {
      const outcome = await evaluateExpression(
        context.target,
        { expression: body.expression, timeoutMs: body.timeoutMs, sideEffects: body.sideEffects, depth: body.depth },
        {
          loopBlocked: loopBlocked(context.probe),
          // The stop cell lives on the app's main thread, which only a probe in this process reaches.
          ...(context.probe === undefined ? {} : { memory: { cell: context.probe.evalStop, budgetBytes: context.config.eval.memoryBudgetBytes } }),
        },
      );
      audit.auditResult = { outcome: outcome.outcome, durationMs: outcome.durationMs, ...(outcome.outcome === 'exception' ? { exception: outcome.exception.className } : {}) };
      res.json({ ...outcome, sideEffects: body.sideEffects });
    } catch (error) {
      audit.auditResult = { outcome: error instanceof MaintenanceError ? error.code : 'failed' };
      throw error;
    }
  },
});

/** `POST {base}/eval/completions`: names that complete what is typed, for a REPL's tab key. Read-only always. */
export const evalCompletionsRoute = defineRoute({
  method: 'POST',
  path: '/eval/completions',
  scope: 'eval',
  summary: "Names that complete a prefix: the global scope's, or the properties of an expression's value (evaluated read-only).",
  enabled: (config) => config.eval.enabled,
  operation: { kind: 'eval' },
  body: () => ({
    expression: described('the object whose properties complete (evaluated read-only); absent: the global scope', stringField(10_000)),
    prefix: jsonField('string', documented('what has been typed of the name', { describe: 'any text', parse: (raw: string) => raw })),
  }),
  async handle({ res, context, body, audit }) {
    audit.auditParams = { ...(body.expression === undefined ? {} : { expression: body.expression.slice(0, AUDITED_EXPRESSION_CHARS) }), prefix: (body.prefix ?? '').slice(0, 100) };
    const names = await completions(context.target, { expression: body.expression, prefix: body.prefix ?? '', timeoutMs: Math.min(1000, context.config.eval.maxTimeoutMs) });
    audit.auditResult = { names: names.length };
    res.json({ completions: names });
  },
});

/** Whether the main thread has missed its probe's last two updates (blocked), when a probe runs. */
function loopBlocked(probe: ProbeView | undefined): () => boolean | undefined {
  return () => {
    if (probe === undefined) return undefined;
    const figures = probe.reader.figures();
    return Date.now() - figures.updatedAt > figures.intervalMs * 2;
  };
}
