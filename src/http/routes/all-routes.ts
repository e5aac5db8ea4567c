import { cpuProfileRoute } from './cpuprofile-route.js';
import { heapProfileRoute } from './heapprofile-route.js';
import { heapSnapshotRoute } from './heapsnapshot-route.js';
import { indexRoute } from './index-route.js';
import type { RouteDefinition } from './route.js';
import { stackRoute } from './stack-route.js';

/** Every endpoint, in the order the index lists them. Each lives in `<path>-route.ts`, named after its URL. */
export const allRoutes: readonly RouteDefinition[] = [
  indexRoute(() => allRoutes),
  heapSnapshotRoute,
  cpuProfileRoute,
  heapProfileRoute,
  stackRoute,
];
