import { PROGRAM } from './usage.js';

/** A scheduled dump as the endpoint describes it (GET /dumps/{id}, or the 202 that created it). */
export interface DumpJobView {
  id: string;
  kind: string;
  status: string;
  trigger: { type: string; at?: string; bytes?: number; ratio?: number; expiresAt?: string };
  created?: string;
  started?: string | null;
  finished?: string | null;
  size?: number | null;
  error?: string | null;
  fileName?: string | null;
}

export function describeTrigger(trigger: DumpJobView['trigger']): string {
  const expiry = trigger.expiresAt ? `, until ${trigger.expiresAt}` : '';
  switch (trigger.type) {
    case 'at':
      return `at ${trigger.at}`;
    case 'gc':
      return `after the next major GC${expiry}`;
    case 'heap-above':
      return `after a GC leaves the heap above ${trigger.bytes !== undefined ? `${trigger.bytes} bytes` : `${Math.round((trigger.ratio ?? 0) * 100)}% of its limit`}${expiry}`;
    default:
      return trigger.type;
  }
}

/** What to tell a person who just scheduled a dump: its id, when it runs, and the commands that follow it. */
export function scheduledLines(job: DumpJobView, urlArgument: string): string[] {
  return [
    `Scheduled ${job.kind} ${job.id}: ${describeTrigger(job.trigger)}.`,
    `Status:   ${PROGRAM} dumps get ${job.id}${urlArgument}`,
    `Download: ${PROGRAM} dumps download ${job.id}${urlArgument}   (once its status is ready)`,
    `Cancel:   ${PROGRAM} dumps delete ${job.id}${urlArgument}`,
  ];
}

/** The --url part to repeat in suggested commands, or nothing when it came from the environment. */
export function urlArgument(url: string | undefined): string {
  return url === undefined ? '' : ` --url ${url}`;
}
