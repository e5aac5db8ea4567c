import { createEndpoint, type EndpointParts } from '../endpoint/create-endpoint.js';

/**
 * The in-app endpoint over the session on the app's own thread and the services in-app-endpoint.ts started:
 * loaded on demand. Its router (an Express app's mount) or its request listener (a plain node:http app's,
 * serving the API under the base path) is built on the first request.
 */
export function routerEndpoint(parts: EndpointParts) {
  const { router, requestListener, context } = createEndpoint({ ...parts, uploadSweep: 'first-upload' });
  return { router, requestListener, log: context.log };
}
