import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export type Mode = 'worker' | 'router' | 'plain';

export interface FixtureOptions {
  mode: Mode;
  /** Extra maintenance options, passed to the app as JSON. */
  options?: Record<string, unknown>;
  /** Extra command-line arguments and environment variables for the app, and options for node itself. */
  args?: string[];
  nodeArgs?: string[];
  env?: Record<string, string>;
}

/** A running fixture app (test/fixtures/app.ts) with its endpoint, tokens and private directories. */
export interface Fixture {
  /** The endpoint's base URL; empty in plain mode. */
  url: string;
  /** The port the app's inspector listens on, when it was started with --inspect. */
  inspectorPort: number | undefined;
  child: ChildProcess;
  /** Tokens by id: admin (every scope), reader (read), heap (heap only). */
  tokens: Record<'admin' | 'reader' | 'heap', string>;
  /** The child's TMPDIR: must be empty whenever no download is in flight. */
  tmpdir: string;
  auditLines(): Array<Record<string, unknown>>;
  auditText(): string;
  /** Sends an IPC command and resolves with the app's report named `event`. */
  command(message: object, event: string): Promise<Record<string, unknown>>;
  /**
   * Blocks the app's main thread in a busy loop for `ms`; resolves once the loop is spinning, with a
   * promise of its end.
   */
  block(ms: number): Promise<{ unblocked: Promise<unknown> }>;
  stop(): Promise<void>;
}

const APP = fileURLToPath(new URL('../fixtures/app.js', import.meta.url));

export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

export async function startFixture({ mode, options = {}, args = [], nodeArgs = [], env = {} }: FixtureOptions): Promise<Fixture> {
  const dir = mkdtempSync(join(tmpdir(), 'me-test-'));
  const childTmp = join(dir, 'tmp');
  mkdirSync(childTmp);
  const auditLog = join(dir, 'audit.log');
  const tokens = { admin: newToken(), reader: newToken(), heap: newToken() };
  const child = spawn(process.execPath, [...nodeArgs, APP, mode, ...args], {
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    env: {
      ...process.env,
      TMPDIR: childTmp,
      MAINTENANCE_ENDPOINT_TOKENS: JSON.stringify([
        { id: 'admin', token: tokens.admin, scopes: ['read', 'heap', 'profile', 'eval', 'command'] },
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
  const inspectorListening = new Promise<void>((resolve) => {
    createInterface({ input: child.stderr! }).on('line', (line) => {
      const port = /Debugger listening on ws:\/\/127\.0\.0\.1:(\d+)\//.exec(line)?.[1];
      if (port !== undefined) {
        inspectorPort = Number(port);
        resolve();
      } else if (!/^For help, see|^Debugger (attached|ending)|^Waiting for the debugger/.test(line)) {
        process.stderr.write(`${line}\n`);
      }
    });
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('fixture did not start in 20 s')), 20_000);
    createInterface({ input: child.stdout! }).once('line', (line) => {
      clearTimeout(timer);
      resolve((JSON.parse(line) as { url: string | null }).url ?? '');
    });
    child.once('exit', (code) => reject(new Error(`fixture exited with ${code}`)));
  });

  if (nodeArgs.some((arg) => arg.startsWith('--inspect='))) await inspectorListening;

  const auditText = () => {
    try {
      return readFileSync(auditLog, 'utf8');
    } catch {
      return '';
    }
  };
  return {
    url,
    get inspectorPort() {
      return inspectorPort;
    },
    child,
    tokens,
    tmpdir: childTmp,
    auditText,
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
    async stop() {
      await stopChild(child, 'SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
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
    .filter((entry) => !entry.isDirectory())
    .map((entry) => join(entry.parentPath ?? (entry as unknown as { path: string }).path, entry.name).slice(dir.length + 1));
}
