import type { Node, Program } from 'acorn';
import { visit } from './ast-walk.js';

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
 * or `Reflect.apply`/`Reflect.construct`; an object literal, class field, getter or assignment giving `length`
 * a value that is not a constant of at most MAX_UNCHECKED_LENGTH (and any computed key, which may be
 * `length`, or `'length'` passed by name); `Array(n)`, `new Uint8Array(n)`... and `repeat(n)`, `padStart(n)`,
 * `padEnd(n)` with such an `n`; a length constructor or a length-looping method taken as a value (an alias). This is a guard against mistakes by an operator who holds
 * the eval scope, not a sandbox: the time and memory stops bound everything that checks for interrupts.
 */
export function unboundedWork(program: Program): string | undefined {
  let reason: string | undefined;
  visit(program, undefined, (node, parent) => {
    reason ??= check(node, parent) ?? checkUse(node, parent);
  });
  return reason;
}

/**
 * Where a length constructor or a length-looping method is taken as a value rather than called in place:
 * `(A => A(2 ** 32 - 1))(Array)`, `class { join = [].join }`, `const j = [].join`. Once aliased, the
 * checks above cannot see what it is called with, so the alias itself is refused.
 */
function checkUse(node: Node, parent: Node | undefined): string | undefined {
  if (parent === undefined) return undefined;
  const n = node as Node & Record<string, any>;
  const p = parent as Node & Record<string, any>;
  const instanceTest = p.type === 'BinaryExpression' && p.operator === 'instanceof' && p.right === n;
  if (n.type === 'Identifier' && LENGTH_CONSTRUCTORS.has(n.name) && !instanceTest && !isBindingOrKey(n, p) && !((p.type === 'CallExpression' || p.type === 'NewExpression') && p.callee === n) && !(p.type === 'MemberExpression' && p.object === n)) {
    return `\`${n.name}\` taken as a value hides the length it will be called with, which V8 cannot interrupt.`;
  }
  if (n.type === 'MemberExpression') {
    const name = propertyName(n);
    const aliased = (p.type === 'VariableDeclarator' && p.init === n) || (p.type === 'AssignmentExpression' && p.right === n)
      || (p.type === 'Property' && p.value === n) || (p.type === 'PropertyDefinition' && p.value === n)
      || p.type === 'ArrayExpression' || (p.type === 'ArrowFunctionExpression' && p.body === n) || p.type === 'ReturnStatement';
    if (name !== undefined && LENGTH_LOOPS.has(name) && !COMMON_NAMES.has(name) && aliased) {
      return `\`${name}\` taken as a value can be called later on any object's length, which V8 cannot interrupt.`;
    }
  }
  return undefined;
}

/** A name being declared or a non-computed property key, not a use of the global. */
function isBindingOrKey(n: Node, p: Node & Record<string, any>): boolean {
  if ((p.type === 'Property' || p.type === 'PropertyDefinition' || p.type === 'MethodDefinition') && p.key === n && !p.computed) return true;
  if (p.type === 'MemberExpression' && p.property === n && !p.computed) return true;
  return false;
}

/**
 * Length-looping method names that are also everyday property names of the app's own objects (`msg.from`,
 * `state.keys`): reading those as values stays allowed; called through `.call`/`.apply`/`.bind` they are refused above.
 */
const COMMON_NAMES = new Set(['at', 'entries', 'filter', 'find', 'from', 'keys', 'map', 'of', 'values', 'with']);

/** The `length` a property definition gives, when its key is (or may be) `length`: a key and its value node, else undefined. */
function lengthProperty(n: Node & Record<string, any>): { computed: boolean; value: Node | undefined; getter: boolean } | undefined {
  if (n.type !== 'Property' && n.type !== 'PropertyDefinition' && n.type !== 'MethodDefinition') return undefined;
  const key = n.computed ? (constantKey(n.key) ?? null) : keyName(n.key);
  if (key !== null && key !== 'length') return undefined;
  return { computed: key === null, value: n.value, getter: n.kind === 'get' || n.kind === 'set' || n.type === 'MethodDefinition' || n.method === true };
}

function check(node: Node, parent: Node | undefined): string | undefined {
  const n = node as Node & Record<string, any>;
  // Object literals, class fields and getters: `{ length: n }`, `{ ['length']: n }`, `class { length = n }`,
  // `{ get length() {...} }`, and any computed key, which may be 'length'. Not a destructuring pattern's
  // `{ length }`, which reads one.
  const length = parent?.type === 'ObjectPattern' ? undefined : lengthProperty(n);
  if (length !== undefined && (length.computed || length.getter || length.value === undefined || !boundedLength(length.value))) {
    return length.computed
      ? 'A computed property key may be `length`, and a `length` that is not a constant could make an array method loop for minutes, which V8 cannot interrupt.'
      : `A \`length\` that is not a constant of at most ${MAX_UNCHECKED_LENGTH} could make an array method loop for minutes, which V8 cannot interrupt.`;
  }
  // `Object.defineProperty(o, 'length', ...)`, `Reflect.set(o, 'length', n)`: a length given by name.
  if ((n.type === 'CallExpression' || n.type === 'NewExpression') && n.arguments.some((a: Node & Record<string, any>) => a.type === 'Literal' && a.value === 'length')) {
    return 'A `length` given by name could make an array method loop for minutes, which V8 cannot interrupt.';
  }
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
  if (n.type === 'AssignmentExpression' && n.left.type === 'MemberExpression' && (propertyName(n.left) === 'length' || (n.left.computed && constantKey(n.left.property) === undefined)) && !boundedLength(n.right)) {
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

/** A computed key's constant string (`['length']`, `['len' + 'gth']`), or undefined when it is not constant. */
function constantKey(node: Node): string | undefined {
  const n = node as Node & Record<string, any>;
  if (n.type === 'Literal') return String(n.value);
  if (n.type === 'TemplateLiteral' && n.expressions.length === 0) return n.quasis.map((quasi: { value: { cooked: string } }) => quasi.value.cooked).join('');
  if (n.type === 'BinaryExpression' && n.operator === '+') {
    const left = constantKey(n.left);
    const right = constantKey(n.right);
    return left === undefined || right === undefined ? undefined : left + right;
  }
  return undefined;
}

function keyName(node: Node): string | undefined {
  const n = node as Node & Record<string, any>;
  return n.type === 'Identifier' ? n.name : n.type === 'Literal' ? String(n.value) : undefined;
}

/** Every node of the tree, depth first, with its parent. */
