import { CliError } from './cli-error.js';
import { analyzingTap, parseTop, reportJson, TOP_OPTION } from './heap-analysis-output.js';
import { heapReportText } from './heap-report-text.js';
import { CONNECTION_OPTIONS, JSON_OPTION, OUTPUT_OPTION, SCHEDULE_OPTIONS, SCHEDULE_PARAMETERS, THREAD_OPTION } from './client-options.js';
import { defineCommand, type Command, type OptionTable } from './command-spec.js';
import { download, suggestedName } from './download.js';
import { call, readText, resolveEndpoint } from './endpoint-client.js';
import { formatObject } from './human-format.js';
import { printJson, printLines } from './output.js';
import { checkParams } from './param-check.js';
import { ProgressLine } from './progress-line.js';
import { scheduledLines, urlArgument, type DumpJobView } from './scheduled-job.js';

const TIMED_OPTIONS = {
  seconds: { type: 'string', value: 'N', help: 'how long to sample, 1 to the endpoint\'s maxProfileSeconds (300 unless configured; it defaults to 10)' },
} as const satisfies OptionTable;

const EGRESS_OPTION = {
  egress: { type: 'string', value: 'NAME', help: "upload it to the endpoint's egress destination NAME instead of downloading it; prints where it landed" },
} as const satisfies OptionTable;

interface ArtifactCommandSpec {
  name: 'heapsnapshot' | 'cpuprofile' | 'heapprofile';
  summary: string;
  description: string[];
  /** The artifact's own options, each sent as the query parameter `param`. */
  options: Record<string, { type: 'string' | 'boolean'; value?: string; help: string; param: string }>;
  timed: boolean;
  /** Offers --analyze: the snapshot analyzed as it downloads (heapsnapshot only). */
  analyzable?: boolean;
  examples: string[];
}

const ANALYZE_OPTIONS = {
  analyze: { type: 'boolean', help: 'also analyze the snapshot as it downloads, in one pass (the report of maintenance-endpoint analyze, after the file name; with --json, as "report")' },
  ...TOP_OPTION,
} as const satisfies OptionTable;

/**
 * A command that takes an artifact now (streamed to a file) or schedules it (--delay, --at, --when:
 * the endpoint answers 202 with a job to fetch later through `dumps`).
 */
function artifactCommand(spec: ArtifactCommandSpec): Command {
  const own = Object.fromEntries(Object.entries(spec.options).map(([name, { type, value, help }]) => [name, { type, ...(value ? { value } : {}), help }]));
  return defineCommand({
    name: spec.name,
    summary: spec.summary,
    description: spec.description,
    options: { ...CONNECTION_OPTIONS, ...own, ...(spec.timed ? TIMED_OPTIONS : {}), ...THREAD_OPTION, ...OUTPUT_OPTION, ...EGRESS_OPTION, ...SCHEDULE_OPTIONS, ...(spec.analyzable === true ? ANALYZE_OPTIONS : {}), ...JSON_OPTION } as OptionTable,
    examples: spec.examples,
    async run({ values }) {
      const endpoint = resolveEndpoint(values as { url?: string; 'token-file'?: string });
      const query: Record<string, string | undefined> = {};
      const flags: Record<string, string> = {};
      for (const [name, { type, param }] of Object.entries(spec.options)) {
        const value = values[name];
        flags[param] = `--${name}`;
        if (value !== undefined) query[param] = type === 'boolean' ? String(value) : (value as string);
      }
      if (spec.timed) query.seconds = values.seconds as string | undefined;
      for (const name of [...SCHEDULE_PARAMETERS, 'egress', 'thread']) query[name] = values[name] as string | undefined;
      const scheduling = SCHEDULE_PARAMETERS.some((name) => values[name] !== undefined);
      const uploading = values.egress !== undefined;
      if (uploading && values.output !== undefined) throw new CliError(`${spec.name}: --egress uploads the artifact; --output has nothing to write.`, 2);
      const analyzing = values.analyze === true;
      if (analyzing && (uploading || scheduling)) throw new CliError(`${spec.name}: --analyze reads the snapshot as it downloads; it cannot go with --egress or a schedule (analyze the stored dump with maintenance-endpoint analyze).`, 2);
      const top = analyzing ? parseTop(values.top) : 0;
      // Before any progress line: a value the endpoint would refuse ends here, at once, with exit 2.
      await checkParams(endpoint, { path: `/${spec.name}`, query, command: spec.name, flags });
      const seconds = query.seconds === undefined ? undefined : Number(query.seconds);
      // A timed operation sends nothing until it ends: say so. A snapshot's first bytes come soon; count only on a terminal.
      const waiting = scheduling
        ? undefined
        : spec.timed
          ? new ProgressLine(`${spec.name}: sampling`, Number.isFinite(seconds) ? seconds : undefined)
          : process.stderr.isTTY
            ? new ProgressLine(`${spec.name}: waiting for V8`, undefined)
            : undefined;
      let response;
      try {
        response = await call(endpoint, `/${spec.name}`, { query, gzip: spec.name === 'heapsnapshot' });
      } finally {
        waiting?.stop();
      }
      if (response.statusCode === 202) {
        const text = await readText(response);
        if (values.json === true) printJson(text);
        else printLines(...scheduledLines(JSON.parse(text) as DumpJobView, urlArgument(values.url as string | undefined)));
        return 0;
      }
      if (scheduling) throw new CliError(`The endpoint answered ${response.statusCode} instead of scheduling the ${spec.name}.`);
      if (uploading) {
        const text = await readText(response);
        printJson(values.json === true ? text : formatObject(JSON.parse(text)));
        return 0;
      }
      const file = (values.output as string | undefined) ?? suggestedName(response) ?? `${spec.name}.out`;
      const analysis = analyzing ? analyzingTap() : undefined;
      const downloaded = await download(response, file, spec.name, process.stderr, analysis?.tap);
      const warning = response.headers['maintenance-warning'];
      if (warning !== undefined && values.json !== true) process.stderr.write(`${spec.name}: ${String(warning)}\n`);
      if (analysis !== undefined && process.stderr.isTTY === true && values.json !== true) process.stderr.write(`${spec.name}: analyzing...\n`);
      const report = analysis?.report(top);
      const warned = warning !== undefined ? { warning: String(warning) } : {};
      if (values.json === true) printJson(JSON.stringify({ ...downloaded, ...warned, ...(report !== undefined ? { report: reportJson(report, top) } : {}) }, null, report !== undefined ? 2 : undefined));
      else printLines(downloaded.file, ...(report !== undefined ? ['', heapReportText(report, top)] : []));
      return 0;
    },
  });
}

export const heapsnapshotCommand = artifactCommand({
  name: 'heapsnapshot',
  summary: "Stream the app's heap snapshot to a file (opens in Chrome DevTools, Memory tab), or schedule one.",
  description: [
    'The transfer is gzipped and decoded on the way; the file holds the snapshot JSON. It is written to FILE.partial and renamed when complete.',
    'Strings the app holds as data are redacted (their length and a keyed label) unless --redact false.',
    'The app main thread pauses while V8 builds the snapshot, and V8 needs several times the heap in extra memory meanwhile.',
  ],
  options: {
    'expose-internals': { type: 'boolean', help: "include V8's internal objects and edges", param: 'exposeInternals' },
    'capture-numeric-value': { type: 'boolean', help: 'record the values of numbers', param: 'captureNumericValue' },
    redact: { type: 'string', value: 'true|false', help: 'false: without the redaction of strings (needs a token with the heap-raw scope)', param: 'redact' },
    series: { type: 'string', value: 'start|continue|end', help: "one snapshot of a diff series, whose snapshots keep V8's object ids for analyze --diff A B C (docs/heap-analysis.md)", param: 'series' },
    'series-timeout': { type: 'string', value: 'SECONDS', help: 'with --series start: end the series by itself after this long (default 1800)', param: 'seriesTimeout' },
    force: { type: 'boolean', help: "take it even when the estimated peak does not fit in the process's memory budget (503 INSUFFICIENT_MEMORY otherwise; audited as forced)", param: 'force' },
  },
  timed: false,
  analyzable: true,
  examples: ['maintenance-endpoint heapsnapshot --series start -o first.heapsnapshot', 'maintenance-endpoint heapsnapshot --analyze --url http://127.0.0.1:9464/ops -o app.heapsnapshot', 'maintenance-endpoint heapsnapshot --url http://127.0.0.1:9464/ops -o app.heapsnapshot', 'maintenance-endpoint heapsnapshot --when heap-above:80% --expires 6h'],
});

export const cpuprofileCommand = artifactCommand({
  name: 'cpuprofile',
  summary: 'Take a timed CPU profile to a file (.cpuprofile for DevTools, or pprof), or schedule one.',
  description: ['The endpoint answers only when the profile is done: the CLI counts down meanwhile.'],
  options: {
    interval: { type: 'string', value: 'MICROSECONDS', help: 'microseconds between samples, 50 to 100000', param: 'interval' },
    format: { type: 'string', value: 'cpuprofile|pprof', help: 'DevTools JSON or gzipped pprof', param: 'format' },
  },
  timed: true,
  examples: ['maintenance-endpoint cpuprofile --seconds 30 --format pprof -o cpu.pb.gz', 'maintenance-endpoint cpuprofile --delay 2h --seconds 60'],
});

export const heapprofileCommand = artifactCommand({
  name: 'heapprofile',
  summary: 'Take a timed sampling heap profile to a file (.heapprofile for DevTools, or pprof), or schedule one.',
  description: ['What was allocated during the sampling and is still alive at its end, by allocating stack.'],
  options: {
    interval: { type: 'string', value: 'BYTES', help: 'mean bytes between samples, 1024 to 16777216', param: 'interval' },
    format: { type: 'string', value: 'heapprofile|pprof', help: 'DevTools JSON or gzipped pprof', param: 'format' },
    include: { type: 'string', value: 'live|collected', help: 'live: what is still alive at the end (default); collected: every sampled allocation, the churn', param: 'include' },
  },
  timed: true,
  examples: ['maintenance-endpoint heapprofile --seconds 60 -o app.heapprofile'],
});
