import type { OptionTable } from './command-spec.js';

/** How every client command finds the endpoint and proves who it is. */
export const CONNECTION_OPTIONS = {
  url: { type: 'string', value: 'BASE', help: "the endpoint's base URL, e.g. http://127.0.0.1:9464/ops (or MAINTENANCE_ENDPOINT_URL)" },
  'token-file': { type: 'string', value: 'FILE', help: 'read the bearer token from FILE (or set MAINTENANCE_ENDPOINT_TOKEN)' },
} as const satisfies OptionTable;

export const JSON_OPTION = {
  json: { type: 'boolean', help: "print JSON on stdout, nothing else there (for scripts): the endpoint's answer, or a download's {file, bytes, wireBytes}" },
} as const satisfies OptionTable;

export const OUTPUT_OPTION = {
  output: { type: 'string', short: 'o', value: 'FILE', help: 'write to FILE (default: the name the endpoint suggests, in the current directory)' },
} as const satisfies OptionTable;

/** Which thread of the app a command works on (`?thread=ID`); checked against the live ones before anything is printed. */
export const THREAD_OPTION = {
  thread: { type: 'string', value: 'ID', help: 'a worker thread of the app, by the id `threads` lists (default: 0, the main thread)' },
} as const satisfies OptionTable;

/** Turn a direct artifact request into a scheduled dump (a 202 with the job's id). */
export const SCHEDULE_OPTIONS = {
  delay: { type: 'string', value: 'DURATION', help: 'schedule it this much later (90s, 5m, 2h)' },
  at: { type: 'string', value: 'TIME', help: 'schedule it at an ISO 8601 time within 24 h (2026-01-31T03:00:00Z)' },
  when: { type: 'string', value: 'CONDITION', help: 'schedule it for gc (after the next major GC), heap-above:SIZE|PERCENT (heap-above:80%) or, for heapsnapshot, near-heap-limit (Node writes it as the heap nears its limit)' },
  expires: { type: 'string', value: 'DURATION', help: 'with --when: give up after this long' },
} as const satisfies OptionTable;

export const SCHEDULE_PARAMETERS = Object.keys(SCHEDULE_OPTIONS) as Array<keyof typeof SCHEDULE_OPTIONS>;
