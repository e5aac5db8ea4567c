import type { Node } from 'acorn';
import { parser } from './eval-source.js';

/**
 * Calls that only read, which V8's side-effect check refuses all the same: they are Node functions that
 * fill a buffer of their own before answering, and V8 cannot tell that write from the app's state.
 * An expression that is one of these calls, with no argument, optionally followed by reads of its
 * result's properties (`process.memoryUsage().heapUsed`), is evaluated without the check; anything
 * else keeps it. docs/api.md lists them.
 */
export const READ_ONLY_CALLS: readonly string[] = ['process.memoryUsage', 'process.memoryUsage.rss', 'process.cpuUsage', 'process.resourceUsage'];

interface AnyNode extends Node {
  [key: string]: any;
}

/** True when `text` is an allow-listed call and property reads of its result, and nothing else. */
export function isReadOnlyCall(text: string): boolean {
  let node: AnyNode;
  try {
    node = parser().parseExpressionAt(text, 0, { ecmaVersion: 'latest' }) as AnyNode;
    if (text.slice(node.end).trim() !== '') return false;
  } catch {
    return false;
  }
  while (node.type === 'MemberExpression' && (!node.computed || node.property.type === 'Literal')) node = node.object;
  return node.type === 'CallExpression' && node.arguments.length === 0 && !node.optional && READ_ONLY_CALLS.includes(dottedName(node.callee) ?? '');
}

/** `a.b.c` for a chain of plain property names, undefined for anything else. */
function dottedName(node: AnyNode): string | undefined {
  if (node.type === 'Identifier') return node.name as string;
  if (node.type !== 'MemberExpression' || node.computed) return undefined;
  const object = dottedName(node.object);
  return object === undefined ? undefined : `${object}.${node.property.name as string}`;
}
