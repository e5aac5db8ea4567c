import { MaintenanceError } from '../../errors.js';
import type { ProbeView } from '../../probe/probe-view.js';
import type { ApiContext } from '../api-context.js';

/** The probe's view, or a NO_PROBE error that says plainly why there are no main-thread figures for this target. */
export function requireProbe(context: ApiContext): ProbeView {
  if (context.probe !== undefined) return context.probe;
  throw new MaintenanceError(
    'NO_PROBE',
    'No main-thread probe runs in this target, so its memory figures cannot be read here; ' +
      'add maintenance-endpoint to the app itself for them.',
  );
}
