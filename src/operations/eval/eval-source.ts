import type * as Acorn from 'acorn';
import type { Node, Program } from 'acorn';
import { createRequire } from 'node:module';
import { buildPreview, type PreviewLimits } from './preview.js';
import { stopCheckInsertions, withInsertions, type Insertion } from './memory-stop-checks.js';
import { unboundedWork } from './unbounded-work.js';

/**
 * The parser is loaded at the first evaluation, not with the server: most endpoints never evaluate
 * anything, and acorn costs an idle server about 1.6 MB of resident memory. It loads in milliseconds.
 */
let acorn: typeof Acorn | undefined;
export const parser = (): typeof Acorn => (acorn ??= createRequire(import.meta.url)('acorn') as typeof Acorn);

/**
 * The program sent to the target for one request, or what stops it being sent: a syntax error, or work
 * that V8 could not interrupt (unbounded-work.ts).
 */
export type EvalSource = { source: string } | { syntaxError: string } | { unbounded: string };

const PREVIEW_SOURCE = `(${buildPreview.toString()})`;

/**
 * Rewrites the operator's program so that its value comes back as a capped preview (see preview.ts):
 * the last expression statement's value is handed to `buildPreview` in the target; a program that
 * ends in another statement (a declaration, a loop) answers undefined. The prefix stays on the first
 * line, so line numbers in a stack are the operator's own. With promises awaited (side effects on),
 * a promise's result is previewed when it settles. With `stopId`, every loop and function of the
 * operator's program checks whether the memory watch asked it to stop (memory-stop-checks.ts).
 */
export function evaluationSource(text: string, limits: PreviewLimits, options: { awaitPromises: boolean; stopId?: number }): EvalSource {
  let program: Program;
  let code = text;
  try {
    program = parseProgram(text);
    const objectLiteral = asObjectLiteral(text);
    if (objectLiteral !== undefined) ({ program, code } = objectLiteral);
  } catch (error) {
    return { syntaxError: (error as Error).message };
  }
  const unbounded = unboundedWork(program);
  if (unbounded !== undefined) return { unbounded };
  const insertions = options.stopId === undefined ? [] : stopCheckInsertions(program, options.stopId);
  // Checks inside the last expression go with it; none can sit on its edges from outside, since it is a top-level statement.
  const part = (from: number, to: number, keep: (insertion: Insertion) => boolean) => withInsertions(code, insertions.filter(keep), from, to);
  const last = program.body.at(-1);
  // The expression is evaluated first (arguments run in order), the preview's source after it.
  const tail = `\n), ${PREVIEW_SOURCE}, ${JSON.stringify(limits)})`;
  const wrap = (expression: string) =>
    options.awaitPromises ? `((v, f, l) => v instanceof Promise ? v.then((r) => f(r, l)) : f(v, l))((${expression}${tail}` : `((v, f, l) => f(v, l))((${expression}${tail}`;
  if (last?.type === 'ExpressionStatement') {
    const { start, end } = (last as Node & { expression: Node }).expression;
    return {
      source: `${part(0, start, (i) => i.at < start)}${wrap(part(start, end, (i) => i.at >= start && i.at <= end))}${part(end, code.length, (i) => i.at > end)}`,
    };
  }
  return { source: `${part(0, code.length, () => true)}\n;${wrap('undefined')}` };
}

/** True when `text` is one expression and nothing else (what completion may evaluate). */
export function isSingleExpression(text: string): boolean {
  try {
    const expression = parser().parseExpressionAt(text, 0, { ecmaVersion: 'latest' });
    return text.slice(expression.end).trim() === '';
  } catch {
    return false;
  }
}

function parseProgram(text: string): Program {
  return parser().parse(text, { ecmaVersion: 'latest', sourceType: 'script' });
}

/** `{ a: 1 }` typed at a prompt means an object, not a block with a label, as in Node's own REPL. */
function asObjectLiteral(text: string): { program: Program; code: string } | undefined {
  if (!/^\s*\{/.test(text) || /;\s*$/.test(text)) return undefined;
  const code = `(${text}\n)`;
  try {
    return { program: parseProgram(code), code };
  } catch {
    return undefined;
  }
}
