import { parse } from 'acorn';
import { appendFileSync, chmodSync, existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import repl, { type REPLServer } from 'node:repl';
import { PassThrough, type Readable, type Writable } from 'node:stream';
import { CliError } from './cli-error.js';
import { CONNECTION_OPTIONS, THREAD_OPTION } from './client-options.js';
import { defineCommand } from './command-spec.js';
import { resolveEndpoint } from './endpoint-client.js';
import { checkParams } from './param-check.js';
import { describeError, requestJson } from './json-client.js';
import { formatPreview, type Preview } from './format-preview.js';

export interface ReplOptions {
  url: string;
  token: string;
  input: Readable;
  output: Writable;
  /** Node's line editing, history keys and tab completion: a terminal. */
  terminal: boolean;
  /** Where lines are kept between sessions (created 0600). */
  historyFile: string;
  timeoutMs?: number;
  depth?: number;
  /** A worker thread of the app to evaluate in (`?thread=ID`); absent: the main thread. */
  thread?: string;
}

const HISTORY_FILE = '.maintenance-endpoint_repl_history';
const HISTORY_SIZE = 1000;

/** `maintenance-endpoint repl --url BASE [--token-file FILE] [--timeout MS] [--depth N]` */
export const replCommand = defineCommand({
  name: 'repl',
  summary: "A read-only REPL into the app's main thread, or a worker's with --thread (needs the app's eval option and an eval token).",
  description: ['Each line is evaluated by POST {base}/eval; history is kept in ~/.maintenance-endpoint_repl_history (0600).', '.sideeffects on|off switches side effects where the app allows them.'],
  options: {
    ...CONNECTION_OPTIONS,
    timeout: { type: 'string', value: 'MS', help: 'time limit of each evaluation' },
    depth: { type: 'string', value: 'N', help: 'how deep previews go' },
    ...THREAD_OPTION,
  },
  run: ({ values }) => runRepl(values),
});

async function runRepl(values: { url?: string | undefined; 'token-file'?: string | undefined; timeout?: string | undefined; depth?: string | undefined; thread?: string | undefined }): Promise<number> {
  const endpoint = resolveEndpoint(values);
  const { base, token } = endpoint;
  // Checked before the prompt: a token without the eval scope would have every line refused with 403.
  const whoami = await requestJson(base, '/whoami', token);
  if (whoami.status === 200 && !(whoami.body.scopes as string[]).includes('eval')) {
    throw new CliError(`The token "${whoami.body.tokenId as string}" lacks the eval scope (it has ${(whoami.body.scopes as string[]).join(', ')}): every line would be refused. Use a token with the eval scope.`);
  }
  if (whoami.status !== 200 && whoami.status !== 404) throw new CliError(describeError(whoami));
  const index = await requestJson(base, '/', token);
  if (index.status !== 200) throw new CliError(describeError(index));
  if (!(index.body.endpoints as Array<{ path: string; method: string }>).some((endpoint) => endpoint.method === 'POST' && endpoint.path.endsWith('/eval'))) {
    throw new CliError('This endpoint offers no /eval: the app has not enabled it (option eval: { enabled: true }).');
  }
  // Before the prompt: a worker that is not live would have every line refused with 404.
  await checkParams(endpoint, { method: 'POST', path: '/eval', query: { thread: values.thread }, command: 'repl' });
  const terminal = Boolean(process.stdin.isTTY && process.stdout.isTTY);
  // Piped lines reach the REPL as they come, but their end only once every line has been answered:
  // the REPL would otherwise close under the evaluations still waiting their turn.
  const input = terminal ? process.stdin : new PassThrough();
  const server = startRepl({
    url: base,
    token,
    input,
    output: process.stdout,
    terminal,
    historyFile: join(homedir(), HISTORY_FILE),
    ...(values.timeout === undefined ? {} : { timeoutMs: Number(values.timeout) }),
    ...(values.depth === undefined ? {} : { depth: Number(values.depth) }),
    ...(values.thread === undefined ? {} : { thread: values.thread }),
  });
  if (input !== process.stdin) {
    process.stdin.pipe(input as PassThrough, { end: false });
    process.stdin.once('end', () => void server.idle().then(() => input.end()));
  }
  await new Promise((resolve) => server.once('exit', resolve));
  await server.idle();
  return 0;
}

/** `/eval` or `/eval/completions` on the main thread, or on a worker's. */
function onThread(path: string, thread: string | undefined): string {
  return thread === undefined ? path : `${path}?thread=${encodeURIComponent(thread)}`;
}

/**
 * A REPL on node:repl whose lines are evaluated in the app's main thread by POST {base}/eval:
 * multi-line input (an incomplete line waits for the next), tab completion from the target, history
 * in a private file, and `.sideeffects on|off` where the app allows side effects.
 */
export function startRepl(options: ReplOptions): REPLServer & { idle(): Promise<void> } {
  let sideEffects = false;
  // One line at a time, in order, as a person types them: piped lines arrive at once, and sent together
  // all but the first would find the eval slot taken (409).
  let queue: Promise<void> = Promise.resolve();
  const serially = (work: () => Promise<void>) => {
    queue = queue.then(work, work);
  };
  const server = repl.start({
    prompt: 'app> ',
    input: options.input,
    output: options.output,
    terminal: options.terminal,
    ignoreUndefined: false,
    writer: (text: unknown) => String(text),
    eval: (code, _context, _file, callback) => {
      const expression = code.trim();
      if (expression === '') return callback(null, undefined);
      if (incomplete(code)) return callback(new repl.Recoverable(new SyntaxError('incomplete input')), undefined);
      remember(options.historyFile, expression);
      const body = { expression, sideEffects, ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}), ...(options.depth !== undefined ? { depth: options.depth } : {}) };
      serially(() =>
        requestJson(options.url, onThread('/eval', options.thread), options.token, body).then(
          (reply) => answer(callback, describeReply(reply)),
          (error: Error) => answer(callback, `Failed: ${error.message}`),
        ),
      );
    },
    completer: (line: string, callback: (error: Error | null, result: [string[], string]) => void) => {
      complete(options, line).then(
        (result) => callback(null, result),
        () => callback(null, [[], line]),
      );
    },
  });
  loadHistory(server, options.historyFile);
  server.defineCommand('sideeffects', {
    help: 'Let expressions change state: .sideeffects on|off (only where the app set eval.allowSideEffects)',
    action(argument: string) {
      const wanted = argument.trim();
      if (wanted !== 'on' && wanted !== 'off') {
        this.output.write(`Side effects are ${sideEffects ? 'on' : 'off'}; use .sideeffects on|off\n`);
        return this.displayPrompt();
      }
      if (wanted === 'off') {
        sideEffects = false;
        this.output.write('Side effects off: expressions are read-only.\n');
        return this.displayPrompt();
      }
      // Asked of the server, which alone knows whether the app allows them; in turn with the lines before.
      serially(() => requestJson(options.url, onThread('/eval', options.thread), options.token, { expression: 'undefined', sideEffects: true }).then(
        (reply) => {
          sideEffects = reply.status === 200;
          this.output.write(sideEffects ? 'Side effects ON: expressions can change the app’s state.\n' : `Side effects stay off: ${describeError(reply)}\n`);
          this.displayPrompt();
        },
        (error: Error) => {
          this.output.write(`Failed: ${error.message}\n`);
          this.displayPrompt();
        },
      ));
    },
  });
  // After `.exit` the REPL cannot take an answer any more: what was still waiting is printed as it comes.
  let closed = false;
  server.once('exit', () => (closed = true));
  const answer = (callback: (error: Error | null, result: unknown) => void, text: string) => {
    if (closed) options.output.write(`${text}\n`);
    else callback(null, text);
  };
  return Object.assign(server, { idle: () => queue });
}

/** An input that ends before its syntax does (an open bracket, string or template) waits for more lines. */
function incomplete(code: string): boolean {
  try {
    parse(code, { ecmaVersion: 'latest', sourceType: 'script' });
    return false;
  } catch (error) {
    const { pos, message } = error as { pos?: number; message: string };
    return /Unterminated (template|string|comment)/.test(message) || (pos !== undefined && pos >= code.trimEnd().length);
  }
}

function describeReply(reply: { status: number; body: any }): string {
  if (reply.status !== 200) return `Refused: ${describeError(reply)}`;
  const body = reply.body as { outcome: string; result?: Preview; exception?: { className: string; message: string; stack?: string }; preview?: string };
  if (body.outcome === 'exception') {
    const exception = body.exception!;
    return `Uncaught ${exception.stack ?? `${exception.className}: ${exception.message}`}`;
  }
  const text = formatPreview(body.result!);
  return body.preview === 'names' ? `${text}\n(names only: reading these values could have side effects)` : text;
}

/** Completes the trailing `a.b.c` of a line: properties of `a.b` in the target, or global names. */
async function complete(options: ReplOptions, line: string): Promise<[string[], string]> {
  const member = /((?:[A-Za-z_$][\w$]*\.)*[A-Za-z_$][\w$]*)\.([\w$]*)$/.exec(line);
  const global = /([A-Za-z_$][\w$]*)$/.exec(line);
  const request = member ? { expression: member[1]!, prefix: member[2]! } : { prefix: global?.[1] ?? '' };
  const reply = await requestJson(options.url, onThread('/eval/completions', options.thread), options.token, request);
  if (reply.status !== 200) return [[], line];
  const names = reply.body.completions as string[];
  return member ? [names.map((name) => `${member[1]}.${name}`), `${member[1]}.${member[2]}`] : [names, request.prefix];
}

function loadHistory(server: REPLServer, file: string): void {
  if (!existsSync(file)) return;
  const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean).slice(-HISTORY_SIZE);
  // readline keeps the newest first.
  (server as unknown as { history: string[] }).history = lines.reverse();
}

/** Appends a line to the history file, private to the user: it may hold what was typed about the app. */
function remember(file: string, line: string): void {
  try {
    appendFileSync(file, `${line.replace(/\n/g, ' ')}\n`, { mode: 0o600 });
    chmodSync(file, 0o600);
  } catch {
    // History is a convenience: a read-only home must not stop the REPL.
  }
}
