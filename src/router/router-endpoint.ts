import { createEndpoint, type EndpointParts } from '../endpoint/create-endpoint.js';
import { InspectorSessionTarget } from '../targets/inspector-session-target.js';

/** Router mode's endpoint: a session on the app's own thread, loaded on demand by maintenance-router.ts; its router is built on the first request. */
export function routerEndpoint(parts: Omit<EndpointParts, 'target'>) {
  const { router, context } = createEndpoint({ ...parts, target: InspectorSessionTarget.sameThread(), uploadSweep: 'first-upload' });
  return { router, log: context.log };
}
