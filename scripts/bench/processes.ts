import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const TOKEN = randomBytes(24).toString('base64url');
export const TOKENS_ENV = JSON.stringify([{ id: 'bench', token: TOKEN, scopes: ['read', 'heap', 'heap-raw', 'profile'] }]);

// Whatever the bench started or made is undone however it ends: normally, on an error, or on ctrl-C.
const children = new Set<ChildProcess>();
const tempDirs = new Set<string>();
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    cleanUp();
    process.exit(130);
  });
}
process.once('exit', cleanUp);

function cleanUp(): void {
  for (const child of children) child.kill('SIGKILL');
  for (const dir of tempDirs) removeTempDir(dir);
}

export function script(name: string): string {
  return fileURLToPath(new URL(`./${name}`, import.meta.url));
}

/** A fresh private directory, removed with everything in it by removeTempDir() or when the bench exits. */
export function makeTempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'maintenance-endpoint-bench-'));
  tempDirs.add(dir);
  return dir;
}

export function removeTempDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  tempDirs.delete(dir);
}

export interface ChildOptions<T> {
  /** Node's own flags, before the script. */
  nodeArgs?: string[];
  /** Added to the bench's environment (which always carries the bench token). */
  env?: Record<string, string>;
  /** Turns the child's first line of output into its info; JSON by default. */
  parse?: (line: string) => T;
  /** The node binary to run it with; the bench's own by default. */
  node?: string;
}

/**
 * Starts a bench child (a script of this folder, or an absolute path) with an IPC channel and
 * resolves with its first line of output, parsed. Every child is killed when the bench exits.
 */
export async function startChild<T>(file: string, args: string[], options: ChildOptions<T> = {}): Promise<{ child: ChildProcess; info: T }> {
  const child = spawn(options.node ?? process.execPath, [...(options.nodeArgs ?? []), file.startsWith('/') ? file : script(file), ...args], {
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    env: { ...process.env, MAINTENANCE_ENDPOINT_TOKENS: TOKENS_ENV, ...options.env },
  });
  children.add(child);
  // The inspector's own banner on a target's stderr is noise here; anything else is shown.
  createInterface({ input: child.stderr! }).on('line', (line) => {
    if (!/^(Debugger listening|Debugger attached|Debugger ending|For help, see|Waiting for the debugger)/.test(line)) process.stderr.write(`${line}\n`);
  });
  child.once('exit', () => children.delete(child));
  const parse = options.parse ?? ((line: string) => JSON.parse(line) as T);
  try {
    const info = await new Promise<T>((resolve, reject) => {
      createInterface({ input: child.stdout! }).once('line', (line) => {
        try {
          resolve(parse(line));
        } catch (error) {
          reject(error);
        }
      });
      child.once('error', reject);
      child.once('exit', (code, signal) => reject(new Error(`${file} exited with ${signal ?? code} before it was ready`)));
    });
    return { child, info };
  } catch (error) {
    await stop(child);
    throw error;
  }
}

/** Kills the child and waits until it is gone. */
export async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

export interface LoadResult {
  requests: number;
  rps: number;
  p99: number;
  errors: number;
}

/** Runs the load generator in its own process against `url` for `seconds`. */
export async function load(url: string, seconds: number): Promise<LoadResult> {
  const { child, info } = await startChild<LoadResult>('load.js', [url, String(seconds), '8']);
  await new Promise((resolve) => (child.exitCode === null ? child.once('exit', resolve) : resolve(undefined)));
  return info;
}
