import { MaintenanceError } from '../../errors.js';
import type { ProbeView } from '../../probe/probe-view.js';
import type { ApiContext } from '../api-context.js';

/**
 * The probe's view, or a NO_PROBE error that says plainly what is missing: the GC history a probe in the
 * target records, which the leak verdict rests on. /memory works without it (read through the inspector).
 */
export function requireProbe(context: ApiContext): ProbeView {
  if (context.probe !== undefined) return context.probe;
  throw new MaintenanceError(
    'NO_PROBE',
    'No leak verdict here: it rests on the heap left after each GC, which only a probe inside the target records, ' +
      'and none runs in this one (a sidecar). /memory still works; add maintenance-endpoint to the app itself for a verdict.',
  );
}
