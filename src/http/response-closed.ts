import type { Response } from 'express';
import { contained } from '../contained.js';

const callbacksOf = new WeakMap<Response, Array<() => void>>();

/**
 * Runs `callback` once the response closes (sent whole, or the client gone), after those registered
 * before it. One 'close' listener per response however many layers care: with one each, a streamed
 * pipeline's own listeners took a response past EventEmitter's leak warning of 10.
 */
export function onResponseClosed(res: Response, callback: () => void): void {
  let callbacks = callbacksOf.get(res);
  if (callbacks === undefined) {
    const registered: Array<() => void> = [];
    callbacksOf.set(res, registered);
    res.once('close', () => {
      // Each contained: the audit line failing must not skip the slot's release, nor throw into the app.
      for (const run of registered) contained('the end of a response', run)();
    });
    callbacks = registered;
  }
  callbacks.push(callback);
}
