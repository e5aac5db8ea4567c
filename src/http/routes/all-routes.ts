import { commandsRoute, runCommandRoute } from './commands-route.js';
import { cpuProfileRoute } from './cpuprofile-route.js';
import { debugPprofGoroutineRoute } from './debug-pprof-goroutine-route.js';
import { debugPprofHeapRoute } from './debug-pprof-heap-route.js';
import { debugPprofAllocsRoute } from './debug-pprof-allocs-route.js';
import { debugPprofProfileRoute } from './debug-pprof-profile-route.js';
import { deleteDumpRoute, dumpRoute } from './dumps-id-route.js';
import { dumpFileRoute } from './dumps-id-file-route.js';
import { dumpsRoute } from './dumps-route.js';
import { eventsRoute } from './events-route.js';
import { evalCompletionsRoute, evalRoute } from './eval-route.js';
import { gcRoute } from './gc-route.js';
import { heapProfileRoute } from './heapprofile-route.js';
import { dumpAnalysisRoute } from './dumps-id-analysis-route.js';
import { heapSnapshotAnalysisRoute } from './heapsnapshot-analysis-route.js';
import { heapSnapshotRoute } from './heapsnapshot-route.js';
import { indexRoute } from './index-route.js';
import { memoryLeaksRoute } from './memory-leaks-route.js';
import { memoryRoute } from './memory-route.js';
import { metricsRoute } from './metrics-route.js';
import { reportRoute } from './report-route.js';
import { rulesRoute } from './rules-route.js';
import type { RouteDefinition } from './route.js';
import { stackRoute } from './stack-route.js';
import { threadsRoute } from './threads-route.js';
import { whoamiRoute } from './whoami-route.js';

/**
 * Every endpoint, in the order the index lists them. Each lives in `<path>-route.ts`, named after its
 * URL (`/memory/leaks` is memory-leaks-route.ts, `/dumps/{id}/file` is dumps-id-file-route.ts).
 */
export const allRoutes: readonly RouteDefinition[] = [
  indexRoute(() => allRoutes),
  heapSnapshotRoute,
  cpuProfileRoute,
  heapProfileRoute,
  stackRoute,
  threadsRoute,
  memoryRoute,
  memoryLeaksRoute,
  gcRoute,
  reportRoute,
  evalRoute,
  evalCompletionsRoute,
  commandsRoute,
  runCommandRoute,
  metricsRoute,
  dumpsRoute,
  dumpRoute,
  deleteDumpRoute,
  dumpFileRoute,
  rulesRoute,
  whoamiRoute,
  eventsRoute,
  debugPprofProfileRoute,
  debugPprofHeapRoute,
  debugPprofGoroutineRoute,
  debugPprofAllocsRoute,
  heapSnapshotAnalysisRoute,
  dumpAnalysisRoute,
];
