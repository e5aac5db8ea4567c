import { createWriteStream, readFileSync, renameSync, rmSync } from 'node:fs';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { basename } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { PassThrough, Transform } from 'node:stream';
import { parseArgs } from 'node:util';
import { createGunzip } from 'node:zlib';
import { CliError } from './cli-error.js';
import { formatBytes, ProgressBar } from './progress-bar.js';

export const CLIENT_COMMANDS = ['heapsnapshot', 'cpuprofile', 'heapprofile', 'stack', 'memory'] as const;
type ClientCommand = (typeof CLIENT_COMMANDS)[number];

const TOKEN_ENV = 'MAINTENANCE_ENDPOINT_TOKEN';

/**
 * Fetches from a running endpoint. Artifacts stream to `<file>.partial`, renamed only once complete,
 * so an interrupted download never leaves a file that looks whole; `stack` and `memory` print.
 */
export async function runClientCommand(command: ClientCommand, argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      url: { type: 'string' },
      seconds: { type: 'string' },
      format: { type: 'string' },
      output: { type: 'string', short: 'o' },
      'token-file': { type: 'string' },
    },
    strict: true,
  });
  if (values.url === undefined) throw new CliError('--url BASE is required, e.g. --url http://127.0.0.1:41234/ops.', 2);
  const token = readToken(values['token-file']);
  const url = new URL(`${values.url.replace(/\/+$/, '')}/${command}`);
  if (values.seconds !== undefined) url.searchParams.set('seconds', values.seconds);
  if (values.format !== undefined) url.searchParams.set('format', values.format);
  if (command === 'stack') url.searchParams.set('format', 'text');

  const response = await get(url, token, command === 'heapsnapshot');
  if (response.statusCode! >= 400) throw new CliError(await errorMessage(response));
  if (command === 'stack' || command === 'memory') {
    await pipeline(response, process.stdout, { end: false });
    if (command === 'memory') process.stdout.write('\n');
    return 0;
  }
  const file = values.output ?? suggestedName(response) ?? `${command}.out`;
  await download(response, file, command);
  return 0;
}

export function readToken(tokenFile: string | undefined): string {
  const token = tokenFile !== undefined ? readFileSync(tokenFile, 'utf8').trim() : process.env[TOKEN_ENV];
  if (token === undefined || token === '') {
    throw new CliError(`No token: pass --token-file FILE or set ${TOKEN_ENV} (never on the command line, where ps shows it).`, 2);
  }
  return token;
}

function get(url: URL, token: string, gzip: boolean): Promise<IncomingMessage> {
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { authorization: `Bearer ${token}`, ...(gzip ? { 'accept-encoding': 'gzip' } : {}) } }, resolve);
    req.on('error', (error) => reject(new CliError(`Cannot reach ${url.origin}: ${error.message}`)));
    req.end();
  });
}

async function errorMessage(response: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of response) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks).toString('utf8');
  try {
    const { error } = JSON.parse(body) as { error: { code: string; message: string } };
    return `${response.statusCode} ${error.code}: ${error.message}`;
  } catch {
    return `${response.statusCode} ${body.slice(0, 200)}`;
  }
}

function suggestedName(response: IncomingMessage): string | undefined {
  const match = /filename="([^"]+)"/.exec(String(response.headers['content-disposition'] ?? ''));
  return match ? basename(match[1]!) : undefined;
}

async function download(response: IncomingMessage, file: string, command: ClientCommand): Promise<void> {
  const partial = `${file}.partial`;
  const progress = new ProgressBar(`${command} -> ${file}`);
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      progress.add(chunk.length);
      callback(null, chunk);
    },
  });
  const decode = response.headers['content-encoding'] === 'gzip' ? createGunzip() : new PassThrough();
  let bytes = 0;
  const sizeCounter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      bytes += chunk.length;
      callback(null, chunk);
    },
  });
  response.on('aborted', () => response.destroy(new Error('the server closed the connection before the end')));
  try {
    await pipeline(response, counter, decode, sizeCounter, createWriteStream(partial, { mode: 0o600 }));
    if (!response.complete) throw new Error('the download ended early');
    renameSync(partial, file);
  } catch (error) {
    rmSync(partial, { force: true });
    progress.done(`${command}: failed`);
    throw new CliError(`Download of ${file} failed: ${(error as Error).message}; nothing was kept.`);
  }
  progress.done(`${command}: wrote ${file} (${formatBytes(bytes)})`);
  if (!process.stderr.isTTY) process.stdout.write(`${file}\n`);
}
