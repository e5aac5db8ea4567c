import type { Response } from 'express';
import { runContained } from '../contained.js';

/** On the response under a symbol of ours, not in a WeakMap (see request-state.ts). */
const CALLBACKS = Symbol('maintenance-endpoint response closed');
type WithCallbacks = Response & { [CALLBACKS]?: Array<() => void> };

/**
 * Runs `callback` once the response closes (sent whole, or the client gone), after those registered
 * before it. One 'close' listener per response however many layers care: with one each, a streamed
 * pipeline's own listeners took a response past EventEmitter's leak warning of 10.
 */
export function onResponseClosed(res: Response, callback: () => void): void {
  let callbacks = (res as WithCallbacks)[CALLBACKS];
  if (callbacks === undefined) {
    const registered: Array<() => void> = [];
    (res as WithCallbacks)[CALLBACKS] = registered;
    res.once('close', () => {
      // Each contained: the audit line failing must not skip the slot's release, nor throw into the app.
      for (const run of registered) runContained('the end of a response', run);
    });
    callbacks = registered;
  }
  callbacks.push(callback);
}
