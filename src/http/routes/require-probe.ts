import type { ApiContext, ProbeView } from '../api-context.js';
import { HttpError } from '../errors.js';

/** The probe's view, or a 501 that says plainly why there are no main-thread figures for this target. */
export function requireProbe(context: ApiContext): ProbeView {
  if (context.probe !== undefined) return context.probe;
  throw new HttpError(
    501,
    'NO_PROBE',
    'No main-thread probe runs in this target, so its memory figures cannot be read here; ' +
      'add maintenance-endpoint to the app itself for them.',
  );
}
