import assert from 'node:assert/strict';
import fc from 'fast-check';
import { after, before, describe, test } from 'node:test';
import { startFixture, type Fixture } from './helpers/fixture.js';
import { postJson } from './helpers/http.js';

/**
 * Read-only evaluation, tried against a small grammar of everything that writes: assignments,
 * increments, delete, mutating methods, Object/Reflect writes, declarations, and the same wrapped in
 * calls, callbacks, getters, proxies, timers and promises. Whatever V8 answers, the watched globals
 * (and the list of global names) must be exactly as they were.
 */
const objects = ['watched', 'watched.nested', 'watched.nested.deep', 'appConfig', 'appConfig.featureFlags', 'globalThis.watched', 'watched.list'];
const slots = ['watched.counter', 'watched.nested.a', 'watched.nested.deep.b', 'appConfig.region', 'appConfig.featureFlags.darkMode', 'watched.list[0]', 'watched.list.length', 'watched["nested"]', 'globalThis.appConfig'];
const values = ['1', '"x"', 'null', 'undefined', '{}', '[]', 'watched', '-0'];

const slot = fc.constantFrom(...slots);
const object = fc.constantFrom(...objects);
const value = fc.constantFrom(...values);

const mutation: fc.Arbitrary<string> = fc.oneof(
  fc.tuple(slot, fc.constantFrom('=', '+=', '-=', '||=', '&&=', '??=', '**=', '|='), value).map(([s, op, v]) => `${s} ${op} ${v}`),
  fc.tuple(slot, fc.constantFrom('++', '--')).map(([s, op]) => `${s}${op}`),
  fc.tuple(fc.constantFrom('++', '--'), slot).map(([op, s]) => `${op}${s}`),
  slot.map((s) => `delete ${s}`),
  fc.constantFrom(
    'watched.list.push(9)', 'watched.list.pop()', 'watched.list.shift()', 'watched.list.unshift(0)', 'watched.list.splice(0, 1)',
    'watched.list.sort((a, b) => b - a)', 'watched.list.reverse()', 'watched.list.fill(0)', 'watched.list.copyWithin(0, 1)',
    "watched.map.set('z', 1)", "watched.map.delete('k')", 'watched.map.clear()', 'watched.set.add(3)', 'watched.set.delete(1)',
    'watched.set.clear()', 'appCache.clear()', "appCache.set('user:9', {})", "appCache.delete('user:0')",
    'var injected = 1', 'function injected() {}', 'class Injected {}', 'let injectedLet = 1', 'globalThis.injected = 1', 'this.injected = 1',
  ),
  fc.tuple(fc.constantFrom('Object.defineProperty(O, "x", { value: 1 })', 'Object.assign(O, { x: 1 })', 'Object.freeze(O)', 'Object.seal(O)',
    'Object.preventExtensions(O)', 'Object.setPrototypeOf(O, null)', 'Reflect.set(O, "x", 1)', 'Reflect.deleteProperty(O, "a")',
    'Reflect.defineProperty(O, "x", { value: 2 })', 'O.__proto__ = null', 'O.x = 1', 'Object.defineProperties(O, { y: { value: 1 } })'), object)
    .map(([template, o]) => template.replaceAll('O', o)),
);

const wrapped: fc.Arbitrary<string> = fc.tuple(
  fc.constantFrom(
    'M', '(M)', '(() => M)()', '(function () { return M })()', '[1].forEach(() => M)', '[1].map(() => M)', 'M, 1', '1 && (M)', 'try { M } catch {}',
    "JSON.parse('{\"a\":1}', (k, v) => (M, v))", 'new Proxy({}, { get: () => M }).x', '({ get x() { return M } }).x', 'Promise.resolve().then(() => M)',
    'setTimeout(() => M, 0)', 'queueMicrotask(() => M)', "'a'.replace('a', () => M)", '(async () => M)()', 'eval("M")', 'new Function("return M")()',
    '`${M}`', '({ toString() { return M } }) + ""', 'Array.from({ length: 1 }, () => M)', '[M]', '({ k: M })',
  ),
  mutation,
).map(([wrapper, m]) => wrapper.replace('M', m.replaceAll('"', wrapper.includes('"M"') ? '\\"' : '"')));

describe('read-only eval: no generated expression changes the watched globals', () => {
  let app: Fixture;
  let baseline: string;
  before(async () => {
    app = await startFixture({ mode: 'worker', options: { eval: { enabled: true }, rateLimit: { all: { limit: 100_000 } } } });
    baseline = (await app.command({ cmd: 'globals' }, 'globals')).snapshot as string;
  });
  after(() => app.stop());

  test('refused or harmless, never a change', async () => {
    await fc.assert(
      fc.asyncProperty(wrapped, async (expression) => {
        const reply = await postJson(`${app.url}/eval`, app.tokens.admin, { expression, timeoutMs: 2000 });
        assert.ok([200, 422].includes(reply.status), `${expression}: ${reply.status} ${reply.body.toString()}`);
        const after = (await app.command({ cmd: 'globals' }, 'globals')).snapshot as string;
        assert.equal(after, baseline, `${expression} changed the watched globals`);
      }),
      { numRuns: 200 },
    );
  });
});
