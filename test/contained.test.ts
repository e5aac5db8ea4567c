import assert from 'node:assert/strict';
import { test } from 'node:test';
import { contained } from '../src/contained.js';

/** Collects this process's warnings of the endpoint while `run` goes on, and a little after (they are emitted on the next tick). */
async function warningsDuring(run: () => Promise<void>): Promise<string[]> {
  const seen: string[] = [];
  const listener = (warning: Error) => {
    if (warning.name === 'MaintenanceEndpointWarning') seen.push(warning.message);
  };
  process.on('warning', listener);
  try {
    await run();
    await new Promise((resolve) => setImmediate(resolve));
  } finally {
    process.off('warning', listener);
  }
  return seen;
}

test('a contained callback that throws, from a timer, does not reach the process; one warning a minute per feature', async () => {
  let unhandled: unknown;
  const onUncaught = (error: unknown) => (unhandled = error);
  process.on('uncaughtException', onUncaught);
  try {
    const warnings = await warningsDuring(async () => {
      let ticks = 0;
      await new Promise<void>((resolve) => {
        const timer = setInterval(
          contained('the test timer', () => {
            ticks++;
            if (ticks === 3) {
              clearInterval(timer);
              resolve();
            }
            throw Object.assign(new Error('EMFILE: too many open files, uv_resident_set_memory'), { code: 'EMFILE' });
          }),
          5,
        );
      });
    });
    assert.equal(unhandled, undefined, 'nothing escaped');
    assert.deepEqual(warnings, ['maintenance-endpoint: the test timer failed and was skipped: EMFILE: too many open files, uv_resident_set_memory']);
  } finally {
    process.off('uncaughtException', onUncaught);
  }
});

test('a contained async callback whose promise rejects leaves no unhandled rejection', async () => {
  let unhandled: unknown;
  const onRejection = (reason: unknown) => (unhandled = reason);
  process.on('unhandledRejection', onRejection);
  try {
    const warnings = await warningsDuring(async () => {
      const warned = new Promise((resolve) => process.once('warning', resolve));
      contained('the test job', async () => {
        await Promise.resolve();
        throw new Error('ENOSPC: no space left on device');
      })();
      await warned;
    });
    assert.equal(unhandled, undefined);
    assert.deepEqual(warnings, ['maintenance-endpoint: the test job failed and was skipped: ENOSPC: no space left on device']);
  } finally {
    process.off('unhandledRejection', onRejection);
  }
});
