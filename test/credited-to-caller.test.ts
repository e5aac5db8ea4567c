import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { creditedToCallerWarnings, type ProfileForCredit } from '../src/operations/credited-to-caller.js';
import type { StackFrame } from '../src/operations/js-stack.js';

const file = '/srv/app/server.js';
const frame = (functionName: string, line: number, url = file): StackFrame => ({ functionName, url, line, column: 1, async: false });
/** A blocked loop's stack as a CommonJS app's frames name it: by path. */
const stackAtStart = [frame('spin', 10), frame('handle', 20), frame('main', 30)];

/** A profile of 1000 samples in which `handle` has `callingLineTicks` on line 20, the line that calls spin. */
function profileWith(callingLineTicks: number): ProfileForCredit {
  const url = pathToFileURL(file).href;
  return {
    nodes: [
      { callFrame: { functionName: '(root)', url: '' }, hitCount: 0 },
      { callFrame: { functionName: 'main', url }, hitCount: 0 },
      {
        callFrame: { functionName: 'handle', url },
        hitCount: callingLineTicks + 5,
        positionTicks: [{ line: 20, ticks: callingLineTicks }, { line: 21, ticks: 5 }],
      },
      { callFrame: { functionName: '(idle)', url: '' }, hitCount: 995 - callingLineTicks },
    ],
    samples: Array.from({ length: 1000 }, (_, i) => i),
  };
}

describe('Maintenance-Warning for samples V8 credits to a caller', () => {
  test('a CommonJS frame, named by path, is matched to the profile, named by file URL', () => {
    const [warning] = creditedToCallerWarnings(profileWith(900), stackAtStart);
    assert.match(warning!, /^spin has no samples of its own: V8 credits them to the calling line of handle \(file:\/\/\/srv\/app\/server\.js:20\), 90% of samples/);
  });

  test('a function the capture merely landed in, which returned at once, is not reported', () => {
    assert.deepEqual(creditedToCallerWarnings(profileWith(1), stackAtStart), []);
  });

  test('a function the profile names itself is not reported', () => {
    const profile = profileWith(900);
    const named = { ...profile, nodes: [...profile.nodes, { callFrame: { functionName: 'spin', url: pathToFileURL(file).href }, hitCount: 3 }] };
    assert.deepEqual(creditedToCallerWarnings(named, stackAtStart), []);
  });
});
