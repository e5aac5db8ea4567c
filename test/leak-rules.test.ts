import assert from 'node:assert/strict';
import { test } from 'node:test';
import { judgeFullGcFloors, shouldConfirmAutomatically, type FullGcPoint } from '../src/probe/leak-rules.js';
import { NO_LEAK_RESOLUTION_BYTES_PER_SECOND } from '../src/probe/leak-resolution.js';

const MB = 1024 * 1024;
const T0 = 1_700_000_000_000;
const floor = (seconds: number, mb: number): FullGcPoint => ({ time: T0 + seconds * 1000, heapAfter: mb * MB, oldGenerationAfter: mb * MB });
const judge = (floors: FullGcPoint[], nowSeconds: number, windowSeconds = 600) =>
  judgeFullGcFloors({
    points: floors.filter((point) => point.time <= T0 + nowSeconds * 1000),
    windowStart: Math.max(T0, T0 + (nowSeconds - windowSeconds) * 1000),
    now: T0 + nowSeconds * 1000,
    windowSeconds,
    missedGcEvents: 0,
    gcCount: 100,
  });

test('growth whose newest step starts within 25 s of the first floor may be a cache filling: not yet a leak', () => {
  // A cache filling at 1.1 MB/s for 20 s: floors at 0 and 5 s, the next at 26 s, after it stopped.
  const verdict = judge([floor(0, 10), floor(5, 15.5), floor(26, 32)], 27);
  assert.equal(verdict.verdict, 'insufficient-data', verdict.reason);
  assert.equal(verdict.leakSuspected, false);
});

test('growth that goes on 25 s after the first floor, at the trend pace, is a leak', () => {
  const verdict = judge([floor(0, 10), floor(26, 38.6), floor(31, 44)], 32);
  assert.equal(verdict.verdict, 'leak', verdict.reason);
});

test('a recent stretch that rises slower than half the trend is not a leak, nor "stopped growing" while it still rises', () => {
  // 1 MB/s for 30 s, then the step from 30 s to 60 s rises 4 MB: a fill that stopped within it, or a leak that slowed.
  const verdict = judge([floor(0, 10), floor(10, 20), floor(20, 30), floor(30, 40), floor(60, 44)], 61);
  assert.equal(verdict.verdict, 'insufficient-data', verdict.reason);
  assert.doesNotMatch(verdict.reason, /stopped/);
});

test('the endpoint forces a pair only when undecided, 25 s past the first floor, once a minute, on a small heap', () => {
  const undecided = judge([floor(0, 10), floor(7, 30)], 26);
  assert.equal(undecided.verdict, 'insufficient-data');
  const base = { verdict: undecided, windowStart: T0, firstFloorAt: T0, lastAutomaticAt: undefined, heapBytes: 60 * MB };
  assert.equal(shouldConfirmAutomatically({ ...base, now: T0 + 20_000 }), false, 'too soon after the first floor');
  assert.equal(shouldConfirmAutomatically({ ...base, now: T0 + 26_000 }), true);
  assert.equal(shouldConfirmAutomatically({ ...base, now: T0 + 26_000, lastAutomaticAt: T0 - 10_000 }), false, 'once a minute');
  assert.equal(shouldConfirmAutomatically({ ...base, now: T0 + 26_000, heapBytes: 300 * MB }), false, 'a large heap pauses too long');
  const decided = judge([floor(0, 10), floor(10, 10.2), floor(27, 10.1)], 28);
  assert.equal(shouldConfirmAutomatically({ ...base, verdict: decided, now: T0 + 28_000 }), false, 'a decided verdict needs no pair');
});

// Floors a real 170 KB/s leak gave (seconds from its start, MiB), with the endpoint's own full GCs among them: an
// automatic pair at 20 and 25 s, another at 81 and 86 s, the two counts of a types=count request at 100 and 105 s.
const LEAK_170: FullGcPoint[] = [floor(20, 10.2), floor(25, 11.1), floor(61, 17.4), floor(81, 20.9), floor(86, 21.8), floor(100, 23.9), floor(105, 24.3)];

test('two forced floors 5 s apart that kept less than 1 MiB rule out nothing slower than they can show: not no-leak', () => {
  const verdict = judge(LEAK_170, 30);
  assert.equal(verdict.verdict, 'insufficient-data', verdict.reason);
  assert.match(verdict.reason, /no growth above [\d.]+ MiB\/min in 5 s/);
  assert.ok(verdict.ruledOut && verdict.ruledOut.leaksFasterThanBytesPerSecond > 170_000, JSON.stringify(verdict.ruledOut));
});

test("floors the endpoint forced seconds apart do not turn a leak into 'stopped growing'", () => {
  for (const now of [87, 95, 101, 106, 120, 150]) {
    const verdict = judge(LEAK_170, now);
    assert.equal(verdict.verdict, 'leak', `at ${now} s: ${verdict.reason}`);
  }
});

test('an old generation that grew little says which leaks it rules out, and how long a slower one needs: not no-leak', () => {
  // The old generation after scavenges rose 2.76 MiB in 60 s, with a single full GC.
  const oldGeneration = Array.from({ length: 61 }, (_, i) => ({ time: T0 + i * 1000, bytes: (20 + (2.76 * i) / 60) * MB }));
  const verdict = judgeFullGcFloors({ points: [floor(1, 20)], oldGeneration, windowStart: T0, now: T0 + 60_000, windowSeconds: 600, missedGcEvents: 0, gcCount: 100 });
  assert.equal(verdict.verdict, 'insufficient-data', verdict.reason);
  assert.match(verdict.reason, /no growth above 4\.00 MiB\/min in 60 s\. A slower leak needs \d+ s more to show/);
  assert.ok(verdict.retryAfterSeconds! > 300, String(verdict.retryAfterSeconds));
});

/** Floors every `every` s from 5 s on, `mb` MiB plus a 0.4 MiB zigzag of noise. */
const flat = (untilSeconds: number, mb: (seconds: number) => number, every = 15) =>
  Array.from({ length: Math.floor((untilSeconds - 5) / every) + 1 }, (_, i) => 5 + i * every).map((s, i) => floor(s, mb(s) + (i % 2) * 0.4));

test('flat floors say no-leak only once they rule out leaks down to the stated resolution', () => {
  const floors = flat(600, () => 12);
  const early = judge(floors, 200);
  assert.equal(early.verdict, 'insufficient-data', early.reason);
  assert.match(early.reason, /The heap left after 1\d full GCs, over the last 195 s, changed by [\d.]+ MiB along their trend: no growth above [\d.]+ MiB\/min in 195 s\. A slower leak needs \d+ s more to show/);
  const late = judge(floors, 480);
  assert.equal(late.verdict, 'no-leak', late.reason);
  assert.ok(late.ruledOut!.leaksFasterThanBytesPerSecond <= NO_LEAK_RESOLUTION_BYTES_PER_SECOND, late.reason);
  // A heap of 120 MiB must grow 12 MiB to show: the default window cannot rule out leaks that slow.
  const large = judge(flat(900, () => 120), 900);
  assert.equal(large.verdict, 'insufficient-data', large.reason);
  assert.match(large.reason, /cannot show within the 600 s the verdict looks back \(leakWindowSeconds\)/);
  assert.equal(large.retryAfterSeconds, undefined);
});

test('"stopped growing" only after the floors have stayed flat long enough to say so', () => {
  // A cache that filled by 12 MiB in its first 20 s, then nothing.
  const floors = flat(600, (s) => 10 + Math.min(20, s) * 0.6, 5);
  const soon = judge(floors, 90);
  assert.notEqual(soon.verdict, 'no-leak', soon.reason);
  assert.notEqual(soon.verdict, 'leak', soon.reason);
  assert.match(soon.reason, /rose from [\d.]+ MiB to [\d.]+ MiB in the \d+ full GCs before the newest \d+; these, over the last \d+ s, changed by .* no growth above/);
  const later = judge(floors, 500);
  assert.equal(later.verdict, 'no-leak', later.reason);
  assert.match(later.reason, /before the newest \d+; these, over the last 4\d\d s, .*; the growth stopped 4\d\d s ago/);
});

test('slow leaks with forced floors anywhere among V8\'s are never called no-leak, and are called leaks', () => {
  let seed = 7;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  for (const kbps of [50, 100, 170, 500]) {
    const rate = (kbps * 1000) / MB;
    const floors: FullGcPoint[] = [];
    for (let s = 3 + random() * 10; s < 400; s += 8 + random() * 25) floors.push(floor(s, 10 + rate * s + (random() - 0.5) * 0.5));
    for (const at of [30, 90, 150]) floors.push(floor(at, 10 + rate * at - 0.3), floor(at + 5, 10 + rate * (at + 5) - 0.3));
    floors.sort((a, b) => a.time - b.time);
    let calledAt: number | undefined;
    for (let now = 1; now <= 400; now++) {
      const verdict = judge(floors, now);
      assert.notEqual(verdict.verdict, 'no-leak', `${kbps} KB/s at ${now} s: ${verdict.reason}`);
      if (verdict.verdict === 'leak') calledAt ??= now;
    }
    assert.ok(calledAt !== undefined && calledAt < 250, `${kbps} KB/s called a leak at ${calledAt} s`);
  }
});

test('no automatic pair for flat floors that wait for time alone', () => {
  const waiting = judge(flat(600, () => 12), 200);
  assert.equal(waiting.verdict, 'insufficient-data');
  const input = { verdict: waiting, windowStart: T0, firstFloorAt: T0 + 5000, now: T0 + 200_000, lastAutomaticAt: undefined, heapBytes: 20 * MB };
  assert.equal(shouldConfirmAutomatically(input), false);
});

test('a slow leak whose own full GCs come a minute apart is judged over the stretch before its newest pair', () => {
  // A real 50 KB/s leak: V8's floors at 66 and 121 s, the endpoint's pairs at 26/31 and 121/126 s.
  const floors = [floor(26, 7.1), floor(31, 7.3), floor(66, 9.2), floor(121, 12.1), floor(126, 12.4)];
  const verdict = judge(floors, 127);
  assert.equal(verdict.verdict, 'leak', verdict.reason);
});
