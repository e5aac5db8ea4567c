import { heapSnapshotRoute } from './heapsnapshot-route.js';
import { indexRoute } from './index-route.js';
import type { RouteDefinition } from './route.js';

/** Every endpoint, in the order the index lists them. Each lives in `<name>-route.ts` after its URL. */
export const allRoutes: readonly RouteDefinition[] = [indexRoute(() => allRoutes), heapSnapshotRoute];
