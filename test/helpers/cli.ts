import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before } from 'node:test';
import { fileURLToPath } from 'node:url';
import { newToken, startFixture, STARTUP_TIMEOUT_MS, stopChild, type Fixture, type FixtureOptions } from './fixture.js';

export const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI to completion. */
export function runCli(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}): Promise<CliRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: options.cwd, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

export interface Sidecar {
  url: string;
  token: string;
  /** Further tokens of the same scopes (`moreTokens` asked for): each has a heavy-rate allowance of its own. */
  moreTokens: string[];
  /** A private directory holding the token file, tokens file and audit log; also a place for downloads. */
  dir: string;
  tokenFile: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Starts `maintenance-endpoint serve` with the given target arguments and a fresh token (read, heap, profile unless `scopes` says). */
export async function startSidecar(targetArgs: string[], { scopes = ['read', 'heap', 'profile'], moreTokens = 0 }: { scopes?: string[]; moreTokens?: number } = {}): Promise<Sidecar> {
  const dir = mkdtempSync(join(tmpdir(), 'me-sidecar-'));
  const token = newToken();
  const more = Array.from({ length: moreTokens }, () => newToken());
  const tokensFile = join(dir, 'tokens.json');
  writeFileSync(tokensFile, JSON.stringify([{ id: 'ops', token, scopes }, ...more.map((other, index) => ({ id: `ops-${index + 1}`, token: other, scopes }))]), { mode: 0o600 });
  const tokenFile = join(dir, 'token');
  writeFileSync(tokenFile, token, { mode: 0o600 });
  const child = spawn(process.execPath, [CLI, 'serve', ...targetArgs, '--port', '0', '--tokens-file', tokensFile, '--audit-log', join(dir, 'audit.log')], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, TMPDIR: dir },
  });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  let url: string;
  try {
    url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`sidecar did not start: ${stderr}`)), STARTUP_TIMEOUT_MS);
      createInterface({ input: child.stdout }).once('line', (line) => {
        clearTimeout(timer);
        const match = /^Serving (https?:\/\/\S+) for /.exec(line);
        if (match) resolve(match[1]!);
        else reject(new Error(`unexpected sidecar output: ${line}`));
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`sidecar exited with ${code}: ${stderr}`));
      });
    });
  } catch (error) {
    await stopChild(child, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    url,
    token,
    moreTokens: more,
    dir,
    tokenFile,
    child,
    async stop() {
      await stopChild(child, 'SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A port that was free a moment ago, for a process that must be restarted on the same port. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface CliSession {
  readonly app: Fixture;
  /** The CLI's working directory, private to the session: downloads land here. */
  readonly dir: string;
  /** A file holding the admin token, as an operator would keep it. */
  readonly tokenFile: string;
  /** Runs the CLI against the session's app with the token file. */
  cli(args: string[]): Promise<CliRun>;
  /** The run's stdout as JSON, after asserting it succeeded. */
  json(run: CliRun): any;
}

/** The environment a CLI run gets: none of the operator's own settings leak in. */
export const CLEAN_CLI_ENV = { MAINTENANCE_ENDPOINT_TOKEN: '', MAINTENANCE_ENDPOINT_URL: '', MAINTENANCE_ENDPOINT_TOKENS: '' };

/**
 * Registers, in the calling describe(), hooks that start a worker-mode fixture app and a private
 * directory with an admin token file before its tests, and remove both after them.
 */
export function cliSession(fixture: Partial<FixtureOptions> = {}): CliSession {
  let app: Fixture | undefined;
  let dir = '';
  before(async () => {
    app = await startFixture({ mode: 'worker', ...fixture });
    dir = mkdtempSync(join(tmpdir(), 'me-cli-'));
    writeFileSync(join(dir, 'token'), `${app.tokens.admin}\n`, { mode: 0o600 });
  });
  after(async () => {
    await app?.stop();
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });
  const session: CliSession = {
    get app() {
      if (app === undefined) throw new Error('the CLI session has not started');
      return app;
    },
    get dir() {
      return dir;
    },
    get tokenFile() {
      return join(dir, 'token');
    },
    cli: (args) => runCli([...args, '--url', session.app.url, '--token-file', session.tokenFile], { cwd: dir, env: CLEAN_CLI_ENV }),
    json(run) {
      assert.equal(run.code, 0, run.stderr);
      return JSON.parse(run.stdout);
    },
  };
  return session;
}
