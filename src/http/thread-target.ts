import { documented, integerParam } from '../params/param-spec.js';
import type { CdpTarget } from '../targets/target.js';
import type { ApiContext } from './api-context.js';

/** `?thread=ID`: which thread of the app an operation runs on; declared by each route that takes it. */
export const threadParam = documented(
  "the thread: 0 or absent for the main thread, or a worker's id as /threads lists it (404 with the live ids when none is live)",
  integerParam(0, 2 ** 31 - 1),
);

/** The target of the thread a request names: the main thread's own, or a worker's reached through it. */
export async function threadTarget(context: ApiContext, thread: number | undefined): Promise<CdpTarget> {
  return thread === undefined || thread === 0 ? context.target : context.threads.target(thread);
}
