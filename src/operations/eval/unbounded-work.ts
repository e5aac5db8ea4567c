import type { Node, Program } from 'acorn';

/**
 * The largest length or count an evaluation may give the builtins below. Some of V8's builtins loop over a
 * `length` without ever checking for interrupts, so neither the time limit nor a memory stop can halt them
 * once they run: `Array.prototype.join.call({ length: 2 ** 32 - 1 })` holds the app's thread for minutes
 * whatever the limit. Measured on Node 22, 24 and 26 (docs/security.md), a million elements costs them
 * at most tens of milliseconds, so this bounds how far past its limit an evaluation can run.
 */
export const MAX_UNCHECKED_LENGTH = 1_000_000;

/**
 * Methods that loop over their receiver's `length` (array methods, generic over any object with a
 * `length`; string padding and repetition over a count). Called as `obj.method()` on an array or string
 * the app built, the length is one the app could afford; called through `.call`, `.apply` or `.bind`, the
 * receiver can be anything, e.g. `{ length: 2 ** 32 - 1 }`.
 */
const LENGTH_LOOPS = new Set([
  'at', 'concat', 'copyWithin', 'entries', 'every', 'fill', 'filter', 'find', 'findIndex', 'findLast', 'findLastIndex',
  'flat', 'flatMap', 'forEach', 'includes', 'indexOf', 'join', 'keys', 'lastIndexOf', 'map', 'pop', 'push', 'reduce',
  'reduceRight', 'reverse', 'shift', 'slice', 'some', 'sort', 'splice', 'toLocaleString', 'toReversed', 'toSorted',
  'toSpliced', 'unshift', 'values', 'with', 'from', 'of', 'padStart', 'padEnd', 'repeat',
]);

/** `toString` and `toLocaleString` of arrays join; `Object.prototype.toString.call(x)` is the usual type test and stays. */
const JOINING = new Set(['toString', 'toLocaleString']);

/** Constructors whose single argument is a length (`Array(n)` makes a holey array that `indexOf` walks without interrupts). */
const LENGTH_CONSTRUCTORS = new Set([
  'Array', 'ArrayBuffer', 'SharedArrayBuffer', 'Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array',
  'Int32Array', 'Uint32Array', 'Float16Array', 'Float32Array', 'Float64Array', 'BigInt64Array', 'BigUint64Array',
]);

/** String methods whose first argument is a count of characters. */
const COUNT_METHODS = new Set(['repeat', 'padStart', 'padEnd']);

/**
 * Why `program` would give a builtin an unbounded amount of work that V8 cannot interrupt, or undefined.
 * It refuses, before anything runs: a length-looping method called through `.call`, `.apply`, `.bind`
 * or `Reflect.apply`/`Reflect.construct`; an object literal or an assignment giving `length` a value that is
 * not a constant of at most MAX_UNCHECKED_LENGTH; `Array(n)`, `new Uint8Array(n)`... and `repeat(n)`,
 * `padStart(n)`, `padEnd(n)` with such an `n`. This is a guard against mistakes by an operator who holds
 * the eval scope, not a sandbox: the time and memory stops bound everything that checks for interrupts.
 */
export function unboundedWork(program: Program): string | undefined {
  let reason: string | undefined;
  visit(program, (node) => {
    reason ??= check(node);
  });
  return reason;
}

function check(node: Node): string | undefined {
  const n = node as Node & Record<string, any>;
  if (n.type === 'MemberExpression') {
    const name = propertyName(n);
    const method = propertyName(n.object) ?? '';
    if ((name === 'call' || name === 'apply' || name === 'bind') && (LENGTH_LOOPS.has(method) || (JOINING.has(method) && ofArrays(n.object.object)))) {
      return `\`${method}.${name}\` would run an array or string method over any object's length, which V8 cannot interrupt.`;
    }
    if ((name === 'apply' || name === 'construct') && n.object.type === 'Identifier' && n.object.name === 'Reflect') {
      return `\`Reflect.${name}\` can run a method over any object's length, which V8 cannot interrupt.`;
    }
  }
  if (n.type === 'ObjectExpression') {
    for (const property of n.properties) {
      if (property.type === 'Property' && !property.computed && keyName(property.key) === 'length' && !boundedLength(property.value)) {
        return `An object whose \`length\` is not a constant of at most ${MAX_UNCHECKED_LENGTH} could make an array method loop for minutes, which V8 cannot interrupt.`;
      }
    }
  }
  if (n.type === 'AssignmentExpression' && n.left.type === 'MemberExpression' && propertyName(n.left) === 'length' && !boundedLength(n.right)) {
    return `A \`length\` that is not a constant of at most ${MAX_UNCHECKED_LENGTH} could make an array method loop for minutes, which V8 cannot interrupt.`;
  }
  if ((n.type === 'CallExpression' || n.type === 'NewExpression') && !n.arguments.some((a: Node) => a.type === 'SpreadElement')) {
    const callee = n.callee;
    const constructor = callee.type === 'Identifier' ? callee.name : callee.type === 'MemberExpression' ? propertyName(callee) : undefined;
    if (constructor !== undefined && LENGTH_CONSTRUCTORS.has(constructor) && n.arguments.length === 1 && !boundedLength(n.arguments[0])) {
      return `\`${constructor}(n)\` with an \`n\` that is not a constant of at most ${MAX_UNCHECKED_LENGTH} makes an array that builtins walk without interrupts.`;
    }
    const method = callee.type === 'MemberExpression' ? propertyName(callee) : undefined;
    if (method !== undefined && COUNT_METHODS.has(method) && n.arguments.length > 0 && !boundedLength(n.arguments[0])) {
      return `\`${method}(n)\` with an \`n\` that is not a constant of at most ${MAX_UNCHECKED_LENGTH} builds a string that V8 cannot interrupt.`;
    }
  }
  if (n.type === 'CallExpression' || n.type === 'NewExpression') {
    // `Array(...args)`, `'x'.repeat(...args)`: the count is not visible.
    const callee = n.callee;
    const name = callee.type === 'Identifier' ? callee.name : callee.type === 'MemberExpression' ? propertyName(callee) : undefined;
    if (name !== undefined && (LENGTH_CONSTRUCTORS.has(name) || COUNT_METHODS.has(name)) && n.arguments.some((a: Node) => a.type === 'SpreadElement')) {
      return `\`${name}(...)\` with spread arguments hides a length V8 cannot interrupt.`;
    }
  }
  return undefined;
}

/** True when `node` is a constant number of at most MAX_UNCHECKED_LENGTH (or a non-numeric literal, which builtins read as 0 or NaN). */
function boundedLength(node: Node): boolean {
  const value = constant(node);
  return value !== undefined && !(Math.abs(value) > MAX_UNCHECKED_LENGTH);
}

/** The value of a constant numeric expression (literals, unary and binary arithmetic), or undefined. */
function constant(node: Node): number | undefined {
  const n = node as Node & Record<string, any>;
  switch (n.type) {
    case 'Literal':
      return typeof n.value === 'number' ? n.value : typeof n.value === 'string' || typeof n.value === 'boolean' || n.value === null ? Number(n.value) : undefined;
    case 'UnaryExpression': {
      const value = constant(n.argument);
      if (value === undefined) return undefined;
      return n.operator === '-' ? -value : n.operator === '+' ? value : undefined;
    }
    case 'BinaryExpression': {
      const left = constant(n.left);
      const right = constant(n.right);
      if (left === undefined || right === undefined) return undefined;
      switch (n.operator) {
        case '+': return left + right;
        case '-': return left - right;
        case '*': return left * right;
        case '/': return left / right;
        case '%': return left % right;
        case '**': return left ** right;
        default: return undefined;
      }
    }
    default:
      return undefined;
  }
}

/** `Array.prototype` or an array literal: what an array's own `toString` is read from. */
function ofArrays(node: Node): boolean {
  const n = node as Node & Record<string, any>;
  if (n.type === 'ArrayExpression') return true;
  return n.type === 'MemberExpression' && propertyName(n) === 'prototype' && n.object.type === 'Identifier' && (n.object.name === 'Array' || LENGTH_CONSTRUCTORS.has(n.object.name));
}

function propertyName(node: Node): string | undefined {
  const n = node as Node & Record<string, any>;
  if (n.type !== 'MemberExpression') return undefined;
  if (!n.computed) return n.property.type === 'Identifier' ? n.property.name : undefined;
  return n.property.type === 'Literal' && typeof n.property.value === 'string' ? n.property.value : undefined;
}

function keyName(node: Node): string | undefined {
  const n = node as Node & Record<string, any>;
  return n.type === 'Identifier' ? n.name : n.type === 'Literal' ? String(n.value) : undefined;
}

/** Every node of the tree, depth first. */
function visit(node: Node, each: (node: Node) => void): void {
  each(node);
  for (const value of Object.values(node)) {
    if (Array.isArray(value)) {
      for (const item of value) if (isNode(item)) visit(item, each);
    } else if (isNode(value)) {
      visit(value, each);
    }
  }
}

function isNode(value: unknown): value is Node {
  return typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string';
}
