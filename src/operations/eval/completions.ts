import { MaintenanceError, ProtocolError } from '../../errors.js';
import type { CdpTarget } from '../../targets/target.js';
import { isSingleExpression } from './eval-source.js';

export interface CompletionRequest {
  /** The object whose properties complete; absent: the global scope's names. */
  expression?: string;
  /** What has been typed of the name so far. */
  prefix: string;
  timeoutMs: number;
}

const MAX_NAMES = 2000;
const MAX_ANSWERS = 500;

/**
 * Names that complete `prefix`: the global scope's (its lexical names and the global object's
 * properties up its prototype chain), or those of the value of `expression`, evaluated read-only.
 * Nothing is ever called but the expression itself, and only as V8's side-effect check allows.
 */
export async function completions(target: CdpTarget, request: CompletionRequest): Promise<string[]> {
  if (request.expression !== undefined && !isSingleExpression(request.expression)) {
    throw new MaintenanceError('INVALID_PARAMETER', 'Body field "expression" must be a single JavaScript expression.', { details: { field: 'expression' } });
  }
  const names = new Set<string>();
  if (request.expression === undefined) {
    const lexical = await target.send<{ names: string[] }>('Runtime.globalLexicalScopeNames', {});
    for (const name of lexical.names) names.add(name);
  }
  const subject = request.expression === undefined ? 'globalThis' : `(${request.expression}\n)`;
  const reply = await evaluateNames(target, subject, request.timeoutMs);
  for (const name of reply) names.add(name);
  return [...names]
    .filter((name) => name.startsWith(request.prefix) && /^[A-Za-z_$][\w$]*$/.test(name))
    .sort()
    .slice(0, MAX_ANSWERS);
}

async function evaluateNames(target: CdpTarget, subject: string, timeoutMs: number): Promise<string[]> {
  // Own names up the prototype chain, read through descriptors only; primitives complete as their wrappers.
  const expression = `((v, max) => {
    const names = [];
    if (v === null || v === undefined) return names;
    for (let o = Object(v); o !== null && names.length < max; o = Object.getPrototypeOf(o)) {
      const own = Object.getOwnPropertyNames(o);
      for (let i = 0; i < own.length && names.length < max; i++) names.push(own[i]);
    }
    return names;
  })(${subject}, ${MAX_NAMES})`;
  try {
    const reply = await target.send<{ result: { value?: unknown }; exceptionDetails?: unknown }>('Runtime.evaluate', {
      expression,
      throwOnSideEffect: true,
      returnByValue: true,
      silent: true,
      timeout: timeoutMs,
    });
    // An expression that throws, or would have side effects, simply completes nothing.
    return reply.exceptionDetails === undefined && Array.isArray(reply.result.value) ? (reply.result.value as string[]) : [];
  } catch (error) {
    if (error instanceof ProtocolError && /Execution was terminated/i.test(error.message)) return [];
    throw error;
  }
}
