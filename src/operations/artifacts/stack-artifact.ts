import { captureStack, STACK_ANSWER_TIMEOUT_MS } from '../js-stack.js';
import { jsonDocumentArtifact } from './artifact-kind.js';

/**
 * The main thread's JavaScript stack as JSON (`GET /stack`'s answer), for a rule's dump. Taken from
 * off the main thread it lands while the loop is still blocked; in router mode it cannot be taken.
 */
export const stackArtifact = jsonDocumentArtifact({
  kind: 'stack',
  scope: 'profile',
  lock: 'stack',
  extension: 'stack.json',
  expectedMs: STACK_ANSWER_TIMEOUT_MS,
  async take(target) {
    const snapshot = await captureStack(target, STACK_ANSWER_TIMEOUT_MS);
    return { document: { pid: await target.processId(), ...snapshot }, facts: { state: snapshot.state, frames: snapshot.frames.length } };
  },
});
