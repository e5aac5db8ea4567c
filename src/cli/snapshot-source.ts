import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { fileChunks } from '../heapsnapshot/file-chunks.js';
import { CliError } from './cli-error.js';
import { call, resolveEndpoint } from './endpoint-client.js';

/**
 * The bytes of a snapshot named on the command line, as they arrive: `-` is stdin, an http(s) URL is
 * fetched with the bearer token (--token-file or MAINTENANCE_ENDPOINT_TOKEN) and read while it downloads
 * (gzip decoded), anything else is a file. Nothing is staged.
 */
export async function snapshotSource(argument: string, tokenFile: string | undefined): Promise<AsyncIterable<Uint8Array>> {
  if (argument === '-') return process.stdin;
  if (/^https?:\/\//i.test(argument)) {
    const endpoint = resolveEndpoint({ url: argument, 'token-file': tokenFile });
    const response = await call(endpoint, '', { gzip: true });
    return whole(response);
  }
  try {
    await access(argument, constants.R_OK);
  } catch (error) {
    throw new CliError(`Cannot read ${argument}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}.`);
  }
  return fileChunks(argument);
}

/** A response's body, decoded; a connection closed before the end is an error, never a shorter snapshot. */
async function* whole(response: IncomingMessage): AsyncIterable<Uint8Array> {
  let aborted = false;
  response.on('aborted', () => {
    aborted = true;
  });
  // pipeline passes a failure of the response on to the decoder, so the loop below sees it.
  const body = response.headers['content-encoding'] === 'gzip' ? pipeline(response, createGunzip(), () => {}) : response;
  for await (const chunk of body) yield chunk as Buffer;
  if (aborted || !response.complete) throw new CliError('The download ended before the snapshot did.');
}
