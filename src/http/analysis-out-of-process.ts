import type { Request } from 'express';
import { requireOutOfProcess } from '../operations/heap-snapshot-analysis.js';
import { documented, integerParam } from '../params/param-spec.js';
import type { ApiContext } from './api-context.js';

/** How many of each list an analysis route answers, as `analyze --top`. */
export const analysisTopParam = documented('how many classes, suspects, strings and collections (or growing classes) to list', integerParam(1, 10_000, 10));

/** Refuses a heavy analysis in the app's process, naming this endpoint's own base URL in the CLI line it suggests. */
export function refuseAnalysisInApp(req: Request, context: ApiContext): void {
  requireOutOfProcess(context.target, `${req.protocol}://${req.get('host') ?? ''}${req.baseUrl}`);
}
