import { evaluateJson } from '../targets/protocol.js';
import type { CdpTarget } from '../targets/target.js';

export interface InspectorMemoryFigures {
  memory: { rss: number; heapTotal: number; heapUsed: number; external: number; arrayBuffers: number };
  heap: { heap_size_limit: number; malloced_memory: number; number_of_native_contexts: number; number_of_detached_contexts: number };
  spaces: Array<{ space_name: string; space_size: number; space_used_size: number; space_available_size: number; physical_space_size: number }>;
}

/**
 * The target's memory figures read on demand through the inspector: what can be had without a probe
 * in the process (no GC history, no event-loop figures). Runs on the target's main thread, with the
 * console's `require` so it works in ES module apps too.
 */
export async function readMemoryViaInspector(target: CdpTarget): Promise<InspectorMemoryFigures> {
  return evaluateJson<InspectorMemoryFigures>(
    target,
    'Reading memory figures',
    "(() => { const v8 = require('node:v8'); return { memory: process.memoryUsage(), heap: v8.getHeapStatistics(), spaces: v8.getHeapSpaceStatistics() }; })()",
    { commandLineApi: true },
  );
}
