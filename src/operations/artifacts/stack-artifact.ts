import { captureStack, STACK_ANSWER_TIMEOUT_MS } from '../js-stack.js';
import { defineArtifact, JSON_TYPE } from './artifact-kind.js';

/**
 * The main thread's JavaScript stack as JSON (`GET /stack`'s answer), for a rule's dump. Taken from
 * off the main thread it lands while the loop is still blocked; in router mode it cannot be taken.
 */
export const stackArtifact = defineArtifact({
  kind: 'stack',
  scope: 'profile',
  lock: 'stack',
  parameters: () => ({}),
  expectedMs: () => STACK_ANSWER_TIMEOUT_MS,
  extension: () => 'stack.json',
  contentType: () => JSON_TYPE,
  compressible: () => true,
  async produce(target, _params, sink) {
    const snapshot = await captureStack(target, STACK_ANSWER_TIMEOUT_MS);
    sink.write(JSON.stringify({ pid: await target.processId(), ...snapshot }));
    return { state: snapshot.state, frames: snapshot.frames.length };
  },
});
