import type { ThreadFigures } from '../operations/thread-list.js';
import { CONNECTION_OPTIONS, JSON_OPTION, THREAD_OPTION } from './client-options.js';
import { defineCommand, type OptionTable } from './command-spec.js';
import { call, callJson, readText, resolveEndpoint } from './endpoint-client.js';
import { formatObject } from './human-format.js';
import { describeMemory, type MemoryAnswer } from './memory-summary.js';
import { printJson } from './output.js';
import { checkParams } from './param-check.js';
import { formatBytes } from './progress-bar.js';
import { ProgressLine } from './progress-line.js';

const CLIENT = { ...CONNECTION_OPTIONS, ...JSON_OPTION } as const satisfies OptionTable;
const ON_THREAD = { ...CLIENT, ...THREAD_OPTION } as const satisfies OptionTable;

/** Fetches JSON and prints it raw (--json) or through `human` for a person. */
async function show(values: { url?: string | undefined; 'token-file'?: string | undefined; json?: boolean | undefined }, path: string, human: (body: any) => string, options: Parameters<typeof callJson>[2] = {}): Promise<number> {
  const { body, text } = await callJson(resolveEndpoint(values), path, options);
  printJson(values.json === true ? text : human(body));
  return 0;
}

export const indexCommand = defineCommand({
  name: 'index',
  summary: 'What the endpoint is (version, pid, mode), every endpoint it serves, and the operations in progress.',
  options: CLIENT,
  async run({ values }) {
    return show(values, '/', (index: { name: string; version: string; pid: number; mode: string; endpoints: Array<{ method: string; path: string; scope: string; description: string }>; operations: unknown[] }) => {
      const width = Math.max(...index.endpoints.map((e) => `${e.method} ${e.path}`.length));
      return [
        `${index.name} ${index.version}, process ${index.pid}, ${index.mode} mode`,
        '',
        ...index.endpoints.map((e) => `${`${e.method} ${e.path}`.padEnd(width)}  ${e.scope.padEnd(7)}  ${e.description}`),
        '',
        index.operations.length === 0 ? 'No operation in progress.' : `In progress:\n${index.operations.map((op) => `  ${JSON.stringify(op)}`).join('\n')}`,
      ].join('\n');
    });
  },
});

export const stackCommand = defineCommand({
  name: 'stack',
  summary: "The app main thread's (or --thread's) JavaScript stack right now (answers while its event loop is blocked).",
  options: ON_THREAD,
  async run({ values }) {
    const endpoint = resolveEndpoint(values);
    const query = { format: values.json === true ? 'json' : 'text', thread: values.thread };
    await checkParams(endpoint, { path: '/stack', query, command: 'stack' });
    const response = await call(endpoint, '/stack', { query });
    printJson(await readText(response));
    return 0;
  },
});

export const memoryCommand = defineCommand({
  name: 'memory',
  summary: "The app main thread's memory, GC and event-loop figures (a worker's heap with --thread): a summary, or every figure with --json.",
  options: ON_THREAD,
  async run({ values }) {
    const query = { thread: values.thread };
    await checkParams(resolveEndpoint(values), { path: '/memory', query, command: 'memory' });
    return show(values, '/memory', (memory: MemoryAnswer) => describeMemory(memory), { query });
  },
});

export const threadsCommand = defineCommand({
  name: 'threads',
  summary: "The app's threads (main and live workers): the id --thread takes, name, heap and event-loop utilization of each.",
  options: CLIENT,
  async run({ values }) {
    return show(values, '/threads', ({ threads }: { threads: ThreadLine[] }) => describeThreads(threads));
  },
});

/** GET /threads' entries (a type only: the CLI speaks HTTP to the endpoint). */
type ThreadLine = ThreadFigures;

function describeThreads(threads: ThreadLine[]): string {
  return threads
    .map((thread) => {
      const heap = thread.heapUsedBytes === null ? 'not answering' : `heap ${formatBytes(thread.heapUsedBytes)} of ${formatBytes(thread.heapTotalBytes ?? 0)}`;
      const busy = thread.eventLoopUtilization === null ? '' : `, loop ${Math.round(thread.eventLoopUtilization.utilization * 100)}% busy`;
      return `${String(thread.id).padStart(4)}  ${(thread.name || '(unnamed)').padEnd(16)}  ${heap}${busy}  ${thread.url}`;
    })
    .join('\n');
}

export const leaksCommand = defineCommand({
  name: 'leaks',
  summary: 'Is memory leaking? The verdict from the heap left after each GC; --confirm adds two forced GCs (a fast leak is called at once), --seconds also says where.',
  description: [
    '--confirm forces two full GCs a few seconds apart and adds them to the verdict (needs the heap scope): what a verdict asks for when it says "ask again with confirm=1". A leak fast enough to show between them is called at once; less growth is not a no, and the verdict can stay undecided.',
    '--seconds samples allocations for that long and lists the sites whose allocations are still alive after a full GC (a heavy request); with --types count it also counts live objects by constructor at both ends and lists the growing types (needs the heap scope).',
  ],
  options: {
    ...CLIENT,
    confirm: { type: 'boolean', help: 'force two full GCs a few seconds apart: a fast leak is called at once, less growth is not a no (pauses the app; needs the heap scope)' },
    seconds: { type: 'string', value: 'N', help: "also sample for N seconds (1 to the endpoint's maxProfileSeconds) where retained memory is allocated" },
    types: { type: 'string', value: 'none|count', help: 'with --seconds: count: also list the constructors whose live objects grew (needs the heap scope)' },
  },
  async run({ values }) {
    const endpoint = resolveEndpoint(values);
    const query = { seconds: values.seconds, confirm: values.confirm === true ? 'true' : undefined, types: values.types };
    await checkParams(endpoint, { path: '/memory/leaks', query, command: 'leaks' });
    const seconds = values.seconds === undefined ? undefined : Number(values.seconds);
    const waiting =
      values.seconds === undefined && values.confirm !== true
        ? undefined
        : new ProgressLine(values.seconds === undefined ? 'leaks: confirming' : 'leaks: sampling', Number.isFinite(seconds) ? seconds : undefined);
    try {
      const { body, text } = await callJson<LeakReport>(endpoint, '/memory/leaks', { query });
      printJson(values.json === true ? text : describeLeaks(body));
      return 0;
    } finally {
      waiting?.stop();
    }
  },
});

interface LeakReport {
  verdict: 'leak' | 'no-leak' | 'insufficient-data';
  reason: string;
  evidence?: unknown;
  where?: { seconds: number; sites: Array<{ functionName: string; url: string; line: number; column: number; bytes: number }> };
}

function describeLeaks(report: LeakReport): string {
  const verdict = report.verdict === 'leak' ? 'Leak suspected' : report.verdict === 'no-leak' ? 'No leak' : 'Undecided';
  const lines = [`${verdict}: ${report.reason}`];
  if (report.evidence) lines.push('', formatObject({ evidence: report.evidence }));
  if (report.where) {
    lines.push('', `Allocated in ${report.where.seconds} s and still alive after a full GC:`);
    if (report.where.sites.length === 0) lines.push('  nothing');
    for (const site of report.where.sites) lines.push(`  ${formatBytes(site.bytes).padStart(10)}  ${site.functionName || '(anonymous)'} (${site.url || '<anonymous>'}:${site.line}:${site.column})`);
  }
  return lines.join('\n');
}

export const gcCommand = defineCommand({
  name: 'gc',
  summary: "Run a full garbage collection of the app's heap (or --thread's); prints the heap before and after.",
  options: ON_THREAD,
  async run({ values }) {
    const query = { thread: values.thread };
    await checkParams(resolveEndpoint(values), { method: 'POST', path: '/gc', query, command: 'gc' });
    return show(
      values,
      '/gc',
      (gc: { before: { usedSize: number }; after: { usedSize: number }; freedBytes: number; durationMs: number }) =>
        `Freed ${formatBytes(gc.freedBytes)} in ${gc.durationMs} ms: heap used ${formatBytes(gc.before.usedSize)} -> ${formatBytes(gc.after.usedSize)}.`,
      { method: 'POST', query },
    );
  },
});

export const reportCommand = defineCommand({
  name: 'report',
  summary: "Node's diagnostic report of the app (redacted unless --no-redact, which needs the eval scope).",
  options: { ...CLIENT, 'no-redact': { type: 'boolean', help: 'leave environment values and credentials in (needs the eval scope)' } },
  async run({ values }) {
    // The report is itself a JSON document: indented for a person, as sent with --json.
    return show(values, '/report', (report) => JSON.stringify(report, null, 2), { query: { redact: values['no-redact'] === true ? 'false' : undefined } });
  },
});

export const whoamiCommand = defineCommand({
  name: 'whoami',
  summary: "The token's id and scopes, as the endpoint sees them.",
  options: CLIENT,
  async run({ values }) {
    return show(values, '/whoami', (who: { tokenId: string; scopes: string[] }) => `Token ${who.tokenId}: scopes ${who.scopes.join(', ')}.`);
  },
});

export const metricsCommand = defineCommand({
  name: 'metrics',
  summary: 'The Prometheus exposition (text), as a scraper would read it.',
  options: CONNECTION_OPTIONS,
  async run({ values }) {
    process.stdout.write(await readText(await call(resolveEndpoint(values), '/metrics')));
    return 0;
  },
});
