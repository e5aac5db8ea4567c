import { createEndpoint, type EndpointParts } from '../endpoint/create-endpoint.js';

/** Router mode's endpoint over the session on the app's own thread and the services maintenance-router.ts started: loaded on demand; its router is built on the first request. */
export function routerEndpoint(parts: EndpointParts) {
  const { router, context } = createEndpoint({ ...parts, uploadSweep: 'first-upload' });
  return { router, log: context.log };
}
