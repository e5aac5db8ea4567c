import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const TOKEN = randomBytes(24).toString('base64url');
export const TOKENS_ENV = JSON.stringify([{ id: 'bench', token: TOKEN, scopes: ['read', 'heap', 'profile'] }]);

const children = new Set<ChildProcess>();
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    stopAll();
    process.exit(130);
  });
}
process.once('exit', stopAll);

function stopAll(): void {
  for (const child of children) child.kill('SIGKILL');
}

export function script(name: string): string {
  return fileURLToPath(new URL(`./${name}`, import.meta.url));
}

/** Starts a bench child and resolves with the JSON line it prints first. Every child is killed on exit. */
export async function startChild<T>(file: string, args: string[], nodeArgs: string[] = []): Promise<{ child: ChildProcess; info: T }> {
  const child = spawn(process.execPath, [...nodeArgs, script(file), ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, MAINTENANCE_ENDPOINT_TOKENS: TOKENS_ENV },
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  const info = await new Promise<T>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', (line) => resolve(JSON.parse(line) as T));
    child.once('exit', (code) => reject(new Error(`${file} exited with ${code}`)));
  });
  return { child, info };
}

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
