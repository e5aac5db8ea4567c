import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { eventually } from './http.js';

export type Mode = 'worker' | 'router' | 'plain';

export interface FixtureOptions {
  mode: Mode;
  /** Extra maintenance options, passed to the app as JSON. */
  options?: Record<string, unknown>;
  /** Extra command-line arguments and environment variables for the app, and options for node itself. */
  args?: string[];
  nodeArgs?: string[];
  env?: Record<string, string>;
  /** The app to run: test/fixtures/app.ts unless a test needs another kind of app. */
  script?: 'app.js' | 'commonjs-app.cjs' | 'threads-app.js' | 'plain-http-app.js';
  /** The app's limit on open descriptors (`ulimit -n`), as a careful operator would set it. */
  maxOpenFiles?: number;
  /**
   * Start as a shell that execs node this many seconds later: the pid's start time in /proc is then that
   * much earlier than Node's `performance.timeOrigin`, as for a pid that cannot be matched to the target.
   */
  execAfterSeconds?: number;
  /** Run the app as pid 1 of a pid namespace of its own (`unshare`, as root), as a container's app is. */
  pidNamespace?: boolean;
  /**
   * A cgroup's `cgroup.procs` file (test/helpers/memory-cgroup.ts): the app joins that cgroup before node
   * starts, so everything it ever allocates is charged to the cgroup.
   */
  cgroupProcs?: string;
}

/** A running fixture app (test/fixtures/app.ts) with its endpoint, tokens and private directories. */
export interface Fixture {
  /** The endpoint's base URL; empty in plain mode. */
  url: string;
  /** The app's own server (worker and router modes): it must keep answering whatever the endpoint faces. */
  appUrl: string;
  /** The port the app's inspector listens on, when it was started with --inspect. */
  inspectorPort: number | undefined;
  child: ChildProcess;
  /** Tokens by id: admin (every scope), reader (read), heap (heap only). */
  tokens: Record<'admin' | 'reader' | 'heap', string>;
  /** The child's TMPDIR: must be empty whenever no download is in flight. */
  tmpdir: string;
  auditLines(): Array<Record<string, unknown>>;
  auditText(): string;
  /** Every line the child printed on stderr so far. */
  stderr(): string;
  /** The process warnings the child printed so far (`(node:PID) [CODE] SomeWarning: ...`, the code when it has one), first lines only. */
  warnings(): string[];
  /** Sends an IPC command and resolves with the app's report named `event`. */
  command(message: object, event: string): Promise<Record<string, unknown>>;
  /**
   * Blocks the app's main thread in a busy loop for `ms`; resolves once the loop is spinning, with a
   * promise of its end.
   */
  block(ms: number): Promise<{ unblocked: Promise<unknown> }>;
  /**
   * Sets the app working turn after turn (CPU-heavy `hotFunction` or retaining `allocatingFunction`)
   * until `rest()`: resolves once it works, so whatever a test measures next falls inside the work,
   * however slow a busy machine makes the test's requests.
   */
  work(kind: 'hot' | 'allocate'): Promise<{ rest(): Promise<unknown> }>;
  stop(): Promise<void>;
}

/**
 * Node options for an app whose function names a test asserts in profiles or stacks: from Node 24, Maglev
 * inlines small functions (the fixture's `hotFunction`, `busyLoop`) into their callers, and V8's sampler then
 * credits their time to the caller. Without inlining every line names the same frames.
 */
export const KEEP_FUNCTION_NAMES = ['--no-turbo-inlining', '--no-maglev-inlining'];

/** How long a child process may take to start and report its URL. */
export const STARTUP_TIMEOUT_MS = 60_000;

const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));

export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

export async function startFixture({ mode, options = {}, args = [], nodeArgs = [], env = {}, script = 'app.js', maxOpenFiles, execAfterSeconds, pidNamespace = false, cgroupProcs }: FixtureOptions): Promise<Fixture> {
  const dir = mkdtempSync(join(tmpdir(), 'me-test-'));
  const childTmp = join(dir, 'tmp');
  mkdirSync(childTmp);
  const auditLog = join(dir, 'audit.log');
  const tokens = { admin: newToken(), reader: newToken(), heap: newToken() };
  // --kill-child: the app dies with the unshare process the test holds, as a container's app with its runtime.
  const namespace = pidNamespace ? ['unshare', '--pid', '--fork', '--mount-proc', '--kill-child'] : [];
  const command = [...namespace, process.execPath, ...nodeArgs, join(FIXTURES, script), mode, ...args];
  const prelude = [
    maxOpenFiles === undefined ? [] : [`ulimit -n ${maxOpenFiles}`],
    execAfterSeconds === undefined ? [] : [`sleep ${execAfterSeconds}`],
    // The shell's pid is the app's once it execs node.
    cgroupProcs === undefined ? [] : [`echo $$ > '${cgroupProcs}'`],
  ].flat();
  const child = spawn(prelude.length === 0 ? command[0]! : '/bin/sh', prelude.length === 0 ? command.slice(1) : ['-c', `${prelude.join(' && ')} && exec "$@"`, 'sh', ...command], {
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    env: {
      ...process.env,
      TMPDIR: childTmp,
      MAINTENANCE_ENDPOINT_TOKENS: JSON.stringify([
        { id: 'admin', token: tokens.admin, scopes: ['read', 'heap', 'heap-raw', 'profile', 'eval', 'command'] },
        { id: 'reader', token: tokens.reader, scopes: ['read'] },
        { id: 'heap', token: tokens.heap, scopes: ['heap'] },
      ]),
      FIXTURE_OPTIONS: JSON.stringify({ auditLog, ...options }),
      ...env,
    },
  });
  const events: Array<{ event: string } & Record<string, unknown>> = [];
  const waiters: Array<() => void> = [];
  child.on('message', (message: { event: string } & Record<string, unknown>) => {
    events.push(message);
    for (const wake of waiters.splice(0)) wake();
  });

  /** The first report named `event` among those the app sent after the `seen`-th. */
  const eventAfter = (seen: number, event: string) =>
    new Promise<Record<string, unknown>>((resolve) => {
      const check = () => {
        const found = events.slice(seen).find((e) => e.event === event);
        if (found) resolve(found);
        else waiters.push(check);
      };
      check();
    });

  let inspectorPort: number | undefined;
  const warnings: string[] = [];
  const stderrLines: string[] = [];
  const inspectorListening = new Promise<void>((resolve) => {
    createInterface({ input: child.stderr! }).on('line', (line) => {
      stderrLines.push(line);
      const port = /Debugger listening on ws:\/\/127\.0\.0\.1:(\d+)\//.exec(line)?.[1];
      if (/^\(node:\d+\) (\[\w+\] )?\w*Warning: /.test(line)) warnings.push(line);
      if (port !== undefined) {
        inspectorPort = Number(port);
        resolve();
      } else if (!/^For help, see|^Debugger (attached|ending)|^Waiting for the debugger/.test(line)) {
        process.stderr.write(`${line}\n`);
      }
    });
  });
  let url: string;
  let appUrl: string;
  try {
    ({ url, appUrl } = await new Promise<{ url: string; appUrl: string }>((resolve, reject) => {
      // Generous: on a loaded machine a Node process with a worker thread can take many seconds to start.
      const timer = setTimeout(() => reject(new Error(`fixture did not start in ${STARTUP_TIMEOUT_MS / 1000} s`)), STARTUP_TIMEOUT_MS);
      createInterface({ input: child.stdout! }).once('line', (line) => {
        clearTimeout(timer);
        const started = JSON.parse(line) as { url: string | null; appUrl?: string };
        resolve({ url: started.url ?? '', appUrl: started.appUrl ?? '' });
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`fixture exited with ${code}`));
      });
    }));
    if (nodeArgs.some((arg) => arg.startsWith('--inspect='))) await inspectorListening;
  } catch (error) {
    // A child left running would keep the test file's process alive after its tests: the run would hang.
    await stopChild(child, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }

  const auditText = () => {
    try {
      return readFileSync(auditLog, 'utf8');
    } catch {
      return '';
    }
  };
  return {
    url,
    appUrl,
    get inspectorPort() {
      return inspectorPort;
    },
    child,
    tokens,
    tmpdir: childTmp,
    auditText,
    warnings: () => [...warnings],
    stderr: () => stderrLines.join('\n'),
    auditLines: () =>
      auditText()
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>),
    command(message, event) {
      const seen = events.length;
      child.send(message);
      return eventAfter(seen, event);
    },
    async block(ms) {
      const seen = events.length;
      child.send({ cmd: 'block', ms });
      await eventAfter(seen, 'blocking');
      return { unblocked: eventAfter(seen, 'unblocked') };
    },
    async work(kind) {
      const seen = events.length;
      child.send({ cmd: 'work', work: kind });
      await eventAfter(seen, 'working');
      return {
        rest: () => {
          child.send({ cmd: 'rest' });
          return eventAfter(seen, 'rested');
        },
      };
    },
    async stop() {
      await stopChild(child, 'SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * The audit line of the `count`-th finished request to `path` (operations' `started` lines are not
 * counted). The server writes it when it closes the response, a moment after the client has read the
 * last byte: read at once, the line may not be there yet (or the operation's `started` line may look last).
 */
export function requestAuditLine(app: Pick<Fixture, 'auditLines'>, path: string, count: number): Promise<Record<string, unknown>> {
  return eventually(async () => {
    const lines = app.auditLines().filter((line) => line.path === path && line.event === undefined);
    return lines.length >= count ? lines[count - 1] : undefined;
  }, 20_000, `audit line ${count} of ${path}`);
}

/** Signals a child process unless it has already ended, and resolves once it has. */
export async function stopChild(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill(signal);
  await exited;
}

/** Regular files anywhere under `dir`: what can hold data (a named pipe in use holds none). */
export function dataFilesIn(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => entry.name);
}

/** Files (not directories) anywhere under `dir`, relative to it. */
export function filesIn(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    // A private dump store's owner pipe lives as long as the store: it is the store's, not something left behind.
    .filter((entry) => !entry.isDirectory() && !(entry.isFIFO() && /^owner-[0-9a-f]{12}\.fifo$/.test(entry.name)))
    .map((entry) => join(entry.parentPath ?? (entry as unknown as { path: string }).path, entry.name).slice(dir.length + 1));
}
