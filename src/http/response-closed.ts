import type { Response } from 'express';

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
      for (const run of registered) run();
    });
    callbacks = registered;
  }
  callbacks.push(callback);
}
