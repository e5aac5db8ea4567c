import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startFixture, type Fixture } from './helpers/fixture.js';
import { postJson, request } from './helpers/http.js';

const TIMEOUT_MS = 500;
/**
 * How far past its limit a stopped evaluation may answer here: the stop itself takes milliseconds
 * (docs/security.md), the rest is a loaded machine's scheduling.
 */
const STOP_SLACK_MS = 2_000;

/** Expressions that give a builtin more work than V8 can interrupt: refused before anything runs. */
const UNBOUNDED = [
  'Array.prototype.join.call({ length: 2 ** 32 - 1 })',
  'Array.prototype.lastIndexOf.call({ length: 2 ** 32 - 1 }, 1)',
  '[].forEach.call({ length: 2 ** 32 - 1 }, () => {})',
  'Array.prototype.toString.call({ length: 2 ** 32 - 1, join: Array.prototype.join })',
  'const slice = [].slice.bind({ length: 2 ** 32 - 1 }); slice()',
  "Reflect.apply(Array.prototype.join, { length: 4294967295 }, [])",
  'Array(2 ** 32 - 1).indexOf(1)',
  'new Array(4294967295).lastIndexOf(1)',
  'Array.from({ length: 1e9 })',
  "const o = {}; o.length = 2 ** 32 - 1; Array.prototype.join.call(o)",
  "'x'.repeat(2 ** 29 - 25).toUpperCase()",
  "'x'.padStart(Number.MAX_SAFE_INTEGER)",
  'const n = 1e9; new Array(n).fill(0)',
  // Aliases, class fields, computed keys and names: the shapes a first guard let through.
  '(A => A(4294967295).indexOf(1))(Array)',
  'new (class { length = 4294967295; join = [].join })().join()',
  'Array.from({ ["length"]: 4294967295 })',
  "Array.from({ ['len' + 'gth']: 4294967295 })",
  'const k = "length"; Array.from({ [k]: 4294967295 })',
  'Array.from({ get length() { return 4294967295; } })',
  "const o = {}; Object.defineProperty(o, 'length', { value: 4294967295 }); [].join.call(o)",
  'const j = [].join; j.call({ length: 4294967295 })',
  'const o = {}; o["length"] = 4294967295; Array.from(o)',
];

/** Their bounded neighbours, still evaluated. */
const BOUNDED: Array<[string, unknown]> = [
  ["Object.prototype.toString.call([])", '[object Array]'],
  ["[1, 2, 3].join('-')", '1-2-3'],
  ['Array(10).fill(0).length', 10],
  ["'ab'.repeat(3)", 'ababab'],
  ['(() => { const { length } = [1, 2]; return length; })()', 2],
  ['[new Uint8Array(4) instanceof Uint8Array, Array.isArray([])].join()', 'true,true'],
  ["({ from: 'a', to: 'b' }).from", 'a'],
];

/** Expressions that run JavaScript or interruptible builtins past the limit: stopped by it. */
const ENDLESS = [
  'while (true) {}',
  '(() => { for (let i = 0; ; i++) Math.sqrt(i); })()',
  "/(a+)+b/.test('a'.repeat(40))",
  'JSON.stringify(new Array(1e6).fill(1)).length + (() => { for (;;); })()',
];

/**
 * Read-only expressions that keep what they allocate: each would fill a 160 MiB heap within a few
 * seconds and abort the app (V8's out-of-memory is fatal), well inside MEMORY_TIMEOUT_MS: loops of each
 * kind, a try/catch that would swallow an error, a recursion, a builtin's callback.
 */
const GROWING = [
  '(() => { const kept = []; for (;;) kept.push({ n: kept.length, items: new Array(1_000).fill(kept.length) }); })()',
  '(() => { const kept = []; while (true) kept.push(new Array(100_000).fill(0)); })()',
  '(() => { const kept = []; for (;;) { try { kept.push(new Array(50_000).fill(kept.length)); } catch {} } })()',
  '(() => { const grow = (kept) => { kept.push(new Array(10_000).fill(1)); return kept.length < 1e9 ? grow(kept) : kept; }; return grow([]).length; })()',
  'new Array(1_000_000).fill(0).map(() => new Array(1_000).fill(0)).length',
  '(() => { const kept = []; let i = 0; do kept.push(new Array(20_000).fill(i)); while (++i > 0); })()',
];
const MEMORY_TIMEOUT_MS = 20_000;
/** Stops in a row that must leave the app alive. */
const REPEATED_STOPS = 10;

for (const mode of ['worker', 'router'] as const) {
  describe(`eval budgets, ${mode} mode, in an app with a 160 MiB heap`, () => {
    let app: Fixture;
    before(async () => {
      app = await startFixture({ mode, nodeArgs: ['--max-old-space-size=160'], options: { eval: { enabled: true, maxTimeoutMs: MEMORY_TIMEOUT_MS }, rateLimit: { all: { limit: 10_000 } } } });
    });
    after(() => app.stop());

    const evaluate = (expression: string, timeoutMs: number) => postJson(`${app.url}/eval`, app.tokens.admin, { expression, timeoutMs });
    const appAnswers = async () => {
      const own = await request(app.appUrl);
      assert.equal(own.status, 200, "the app's own server answers");
      assert.equal(app.child.exitCode, null, 'the app is alive');
    };

    test('work V8 cannot interrupt is refused before it runs, with a clear JSON error', async () => {
      for (const expression of UNBOUNDED) {
        const started = Date.now();
        const reply = await evaluate(expression, TIMEOUT_MS);
        assert.equal(reply.status, 422, `${expression}: ${reply.body.toString()}`);
        assert.equal(reply.json().error.code, 'EVALUATION_UNBOUNDED', expression);
        assert.ok(Date.now() - started < STOP_SLACK_MS, `${expression} answered at once`);
      }
      for (const [expression, value] of BOUNDED) {
        const reply = await evaluate(expression, TIMEOUT_MS);
        assert.equal(reply.status, 200, `${expression}: ${reply.body.toString()}`);
        assert.equal(reply.json().result.value, value, expression);
      }
      await appAnswers();
    });

    test(`what runs past timeoutMs is stopped within ${STOP_SLACK_MS} ms of it`, async () => {
      let latest = 0;
      for (const expression of ENDLESS) {
        const started = Date.now();
        const reply = await evaluate(expression, TIMEOUT_MS);
        const took = Date.now() - started;
        assert.equal(reply.status, 504, `${expression}: ${reply.body.toString()}`);
        assert.equal(reply.json().error.code, 'EVALUATION_TIMEOUT', expression);
        assert.ok(took < TIMEOUT_MS + STOP_SLACK_MS, `${expression} stopped after ${took} ms`);
        latest = Math.max(latest, took - TIMEOUT_MS);
      }
      console.log(`answered at most ${latest} ms after the ${TIMEOUT_MS} ms limit`);
      await appAnswers();
    });

    test(`a read-only evaluation that grows the heap past its budget is stopped before it can take the app down, ${REPEATED_STOPS} times in a row`, async () => {
      let worst = 0;
      let worstAtStop = 0;
      for (let round = 0; round < REPEATED_STOPS; round++) {
        const expression = GROWING[round % GROWING.length]!;
        const reply = await evaluate(expression, MEMORY_TIMEOUT_MS);
        assert.equal(reply.status, 422, `${expression}: ${reply.body.toString()}`);
        const error = reply.json().error;
        assert.equal(error.code, 'EVALUATION_MEMORY', expression);
        assert.ok(error.budgetBytes > 0 && error.budgetBytes <= 64 * 2 ** 20, `a budget is stated: ${error.budgetBytes}`);
        assert.ok(error.grownAtStopBytes > error.budgetBytes && error.grownBytes >= error.grownAtStopBytes, `stopped past its budget: ${reply.body.toString()}`);
        assert.doesNotMatch(reply.body.toString(), /\n\s+at /, 'no stack trace');
        worst = Math.max(worst, (error.grownBytes - error.budgetBytes) / 2 ** 20);
        worstAtStop = Math.max(worstAtStop, (error.grownAtStopBytes - error.budgetBytes) / 2 ** 20);
        await appAnswers();
      }
      console.log(`resident memory was at most ${worstAtStop.toFixed(1)} MiB past the budget when the stop was asked, and peaked at most ${worst.toFixed(1)} MiB past it`);
    });

    test('an evaluation that stays within its budget is not stopped, and its loops and functions still answer', async () => {
      const cases: Array<[string, unknown]> = [
        ['(() => { const kept = []; for (let i = 0; i < 1000; i++) kept.push({ i }); return kept.length; })()', 1000],
        ["(function () { 'use strict'; return this === undefined; })()", true],
        ['[1, 2, 3].map((x) => ({ x })).map(({ x }) => x * 2).join()', '2,4,6'],
        ['(() => { let n = 0; outer: for (const a of [1, 2, 3]) { for (const b of [1, 2]) { if (b === 2) continue outer; n += a * b; } } return n; })()', 6],
        ['(() => { let i = 0; do i++; while (i < 5); return i; })()', 5],
        ['({ twice(x) { return 2 * x; } }).twice(21)', 42],
        ['(function f(n) { return n <= 1 ? 1 : n * f(n - 1); })(10)', 3628800],
      ];
      for (const [expression, value] of cases) {
        const reply = await evaluate(expression, TIMEOUT_MS);
        assert.equal(reply.status, 200, `${expression}: ${reply.body.toString()}`);
        assert.equal(reply.json().result.value, value, expression);
      }
    });
  });
}
