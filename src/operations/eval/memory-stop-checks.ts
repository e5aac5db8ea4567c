import type { Node, Program } from 'acorn';
import { EVAL_STOP_GLOBAL, EVAL_STOP_SLOT } from '../../probe/eval-stop-cell.js';
import { visit } from './ast-walk.js';

/** Text to put into the operator's program at a position of its source. */
export interface Insertion {
  at: number;
  text: string;
  /** Closes what an earlier insertion opened: at one position, inner closers go first, then outer openers. */
  closes: boolean;
  /** The node's place in a parents-first walk. */
  order: number;
}

/**
 * The check an evaluation makes at the start of every loop iteration and every call of a function it
 * defines: has the memory watch asked evaluation `id` to stop? Then it writes to the stop cell. In a
 * read-only evaluation that write is a side effect, so V8 terminates the evaluation before it happens,
 * whatever try/catch the operator wrote, and turns the termination into an EvalError once the evaluation
 * has unwound: nothing of the app's own code is touched. With side effects allowed, the write succeeds and
 * the check throws instead. One line: the operator's line numbers stay their own.
 */
export function stopCheck(id: number): string {
  const cell = `globalThis.${EVAL_STOP_GLOBAL}`;
  return `${cell}[${EVAL_STOP_SLOT.requested}] === ${id} && (() => { ${cell}[${EVAL_STOP_SLOT.reached}] = ${id}; throw new RangeError('Stopped: over the memory budget'); })()`;
}

/**
 * Where the checks go: the start of every loop body (a block is opened around a single statement) and
 * of every function body (after its directives: 'use strict' must stay first); an arrow function with an
 * expression body gets the check as a sequence before it. Anything that allocates without end runs
 * through one of these, unless it runs in a builtin (bounded by unbounded-work.ts) or in the app's own
 * functions, which are not rewritten.
 */
export function stopCheckInsertions(program: Program, id: number): Insertion[] {
  const check = stopCheck(id);
  const insertions: Insertion[] = [];
  let order = 0;
  visit(program, undefined, (node) => {
    order++;
    const body = (node as Node & { body?: Node | Node[] }).body;
    if (body === undefined || Array.isArray(body)) return;
    if (LOOPS.has(node.type)) {
      insertions.push({ at: body.start, text: `{${check};`, closes: false, order }, { at: body.end, text: '}', closes: true, order });
    } else if (FUNCTIONS.has(node.type)) {
      if (body.type === 'BlockStatement') {
        const statements = (body as Node & { body: Array<Node & { directive?: string }> }).body;
        let after = body.start + 1;
        for (const statement of statements) {
          if (statement.directive === undefined) break;
          after = statement.end;
        }
        insertions.push({ at: after, text: `;${check};`, closes: false, order });
      } else {
        insertions.push({ at: body.start, text: `(${check}, `, closes: false, order }, { at: body.end, text: ')', closes: true, order });
      }
    }
  });
  return insertions.sort((a, b) => a.at - b.at || Number(b.closes) - Number(a.closes) || (a.closes ? b.order - a.order : a.order - b.order));
}

/** `code` from `from` to `to` with the insertions whose positions fall in that range, its ends included. */
export function withInsertions(code: string, insertions: Insertion[], from: number, to: number): string {
  let text = '';
  let at = from;
  for (const insertion of insertions) {
    if (insertion.at < from || insertion.at > to) continue;
    text += code.slice(at, insertion.at) + insertion.text;
    at = insertion.at;
  }
  return text + code.slice(at, to);
}

const LOOPS = new Set(['ForStatement', 'ForInStatement', 'ForOfStatement', 'WhileStatement', 'DoWhileStatement']);
const FUNCTIONS = new Set(['FunctionDeclaration', 'FunctionExpression', 'ArrowFunctionExpression']);
