import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** s3rver's built-in key pair: the only credentials it accepts. */
export const S3_ACCESS_KEY_ID = 'S3RVER';
export const S3_SECRET_ACCESS_KEY = 'S3RVER';

export interface S3TestServer {
  /** `http://127.0.0.1:PORT`, for a path-style S3 client. */
  endpoint: string;
  /** The buckets it was started with. */
  buckets: string[];
  /** Its data directory (objects and open multipart uploads live here). */
  directory: string;
  child: ChildProcess;
  /** Makes UploadPart numbered `fromPart` or more wait unanswered until release(): an upload held mid-way. */
  holdParts(fromPart?: number): Promise<void>;
  release(): Promise<void>;
  stop(): Promise<void>;
}

const SERVER_PROCESS = fileURLToPath(new URL('./s3-server-process.js', import.meta.url));

/**
 * Starts an S3-compatible server in its own process (so its memory never counts against the process
 * under test), on 127.0.0.1 and a free port, with the given buckets and a private data directory that
 * stop() removes.
 */
export async function startS3Server(buckets: string[] = ['dumps']): Promise<S3TestServer> {
  const directory = mkdtempSync(join(tmpdir(), 'me-s3-'));
  const child = spawn(process.execPath, [SERVER_PROCESS, directory, buckets.join(',')], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', (line) => resolve((JSON.parse(line) as { port: number }).port));
    child.once('exit', (code) => reject(new Error(`S3 test server exited (${code}) before listening: ${stderr}`)));
  });
  return {
    endpoint: `http://127.0.0.1:${port}`,
    buckets,
    directory,
    child,
    holdParts: async (fromPart = 2) => void (await fetch(`http://127.0.0.1:${port}/_test/hold?fromPart=${fromPart}`, { method: 'POST' })),
    release: async () => void (await fetch(`http://127.0.0.1:${port}/_test/release`, { method: 'POST' })),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
