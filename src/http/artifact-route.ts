import type { ArtifactKind } from '../operations/artifacts/artifact-kind.js';
import { egressParam } from '../operations/artifacts/egress-param.js';
import { checkSchedule, parseTrigger, SCHEDULE_PARAMS, type ScheduleValues } from '../scheduling/triggers.js';
import { defineRoute, type RouteDefinition } from './routes/route.js';
import { streamArtifact } from './stream-artifact.js';
import { threadParam, threadTarget } from './thread-target.js';
import { invalidParameter } from '../errors.js';
import { uploadArtifactResponse } from './upload-artifact-response.js';

const SCHEDULE_NAMES = Object.keys(SCHEDULE_PARAMS) as (keyof typeof SCHEDULE_PARAMS)[];

/** Splits validated parameters into the artifact's own and the scheduling ones. */
function split(params: Record<string, unknown>): { own: Record<string, unknown>; schedule: ScheduleValues; egress: string | undefined } {
  const own: Record<string, unknown> = {};
  const schedule: ScheduleValues = {};
  for (const [name, value] of Object.entries(params)) {
    if ((SCHEDULE_NAMES as string[]).includes(name)) schedule[name as keyof ScheduleValues] = value as string;
    else if (name !== 'egress' && name !== 'thread') own[name] = value;
  }
  return { own, schedule, egress: params.egress as string | undefined };
}

const asksForLater = (params: Record<string, unknown>) => SCHEDULE_NAMES.some((name) => params[name] !== undefined);

/**
 * `GET {base}/<kind>` for an artifact of the shared table: streamed now in the artifact's slot, or, with
 * delay, at or when, scheduled into the dump store (202 with the job's Location) without taking a slot.
 * With egress=NAME it is uploaded to that destination instead: now (answered with where it landed), or
 * when the scheduled job has taken it.
 */
export function artifactRoute(
  artifact: ArtifactKind,
  { path, summary, threads = false }: { path: string; summary: string; /** Takes `?thread=ID` (a worker thread). */ threads?: boolean },
): RouteDefinition {
  return defineRoute({
    method: 'GET',
    path,
    scope: artifact.scope,
    summary,
    params: (config) => ({ ...artifact.parameters(config), ...SCHEDULE_PARAMS, egress: egressParam(config.egress), ...(threads && { thread: threadParam }) }),
    checkParams: (params, context) => checkSchedule(split(params).schedule, artifact.kind, split(params).egress, context.probe),
    paramScope: (params) => artifact.paramScope?.(split(params).own as never),
    heavy: true,
    operation: {
      kind: (params) => (asksForLater(params) ? undefined : artifact.lock),
      expectedMs: (params) => artifact.expectedMs(params as never),
    },
    admit: async ({ params, context }) => {
      // V8's ids are kept per isolate, and a diff series keeps the main thread's (snapshot-series.ts).
      const thread = params.thread as number | undefined;
      if (thread !== undefined && thread !== 0 && (params as Record<string, unknown>).series !== undefined) throw invalidParameter('series', 'absent with thread: a diff series follows the main thread');
      return asksForLater(params) || artifact.admit === undefined
        ? undefined
        : artifact.admit(await threadTarget(context, thread), split(params).own as never, context.config);
    },
    async handle(call) {
      const { own, schedule, egress } = split(call.params);
      const trigger = parseTrigger(schedule);
      const thread = call.params.thread as number | undefined;
      if (trigger === undefined) {
        // Resolved before the first byte, so an unknown thread is a JSON 404.
        const onThread = thread === undefined ? call : { ...call, context: { ...call.context, target: await threadTarget(call.context, thread) } };
        return egress === undefined ? streamArtifact(onThread, artifact, own) : uploadArtifactResponse(onThread, artifact, own, egress);
      }
      if (thread !== undefined && thread !== 0) throw invalidParameter('thread', 'absent or 0 for a scheduled dump (scheduled dumps of worker threads are not supported yet)');
      const destination = egress === undefined ? undefined : call.context.config.egress[egress];
      const request = { kind: artifact.kind, params: own, ...(destination && { egress: destination }) };
      const job =
        trigger.type === 'near-heap-limit'
          ? await call.context.dumps.armNearHeapLimit(call.caller.tokenId)
          : call.context.dumps.schedule(request, trigger, call.caller.tokenId);
      call.audit.auditResult = { scheduled: job.id };
      call.res
        .status(202)
        .location(`${call.req.baseUrl}/dumps/${job.id}`)
        .json({
          id: job.id,
          kind: job.kind,
          status: job.status,
          created: job.created,
          trigger: job.trigger,
          ...(job.egress !== null && { egress: job.egress }),
          ...(job.nearHeapLimit !== undefined && { nearHeapLimit: job.nearHeapLimit }),
          ...(job.warning !== undefined && { warning: job.warning }),
        });
    },
  });
}
