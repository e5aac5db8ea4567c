import assert from 'node:assert/strict';
import { test } from 'node:test';
import { judgeFullGcFloors, shouldConfirmAutomatically, type FullGcPoint } from '../src/probe/leak-rules.js';

const MB = 1024 * 1024;
const T0 = 1_700_000_000_000;
const floor = (seconds: number, mb: number): FullGcPoint => ({ time: T0 + seconds * 1000, heapAfter: mb * MB, oldGenerationAfter: mb * MB });
const judge = (floors: FullGcPoint[], nowSeconds: number) =>
  judgeFullGcFloors({ points: floors, windowStart: T0, now: T0 + nowSeconds * 1000, missedGcEvents: 0, gcCount: 100 });

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

test('a newest step that rises slower than half the trend is growth ending (a fill that stopped within it), not a leak', () => {
  // 1 MB/s for 30 s, then the step from 30 s to 60 s rises 4 MB: a long step straddling the fill's end.
  const verdict = judge([floor(0, 10), floor(10, 20), floor(20, 30), floor(30, 40), floor(60, 44)], 61);
  assert.equal(verdict.verdict, 'no-leak', verdict.reason);
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
