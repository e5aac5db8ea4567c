import { MaintenanceError } from '../errors.js';
import { parseParams, specFromDescription } from '../params/param-spec.js';
import { CliError } from './cli-error.js';
import { callJson, type Endpoint } from './endpoint-client.js';

interface IndexEndpoint {
  method: string;
  path: string;
  params?: Record<string, string>;
}

/**
 * Checks a request's query parameters against the limits the endpoint itself declares in its index
 * (`GET {base}/`), before anything is sent or printed: a 400 found here costs no progress line and no
 * wait. The endpoint's own limits, not the CLI's, since they depend on its configuration
 * (`maxProfileSeconds`). A `thread` must also be live (`GET {base}/threads`): a profile of a worker that
 * has gone would otherwise print its progress for nothing. When the index cannot be read (a token without
 * the read scope), the endpoint checks on its own as always.
 */
export async function checkParams(
  endpoint: Endpoint,
  request: { method?: string; path: string; query: Record<string, string | undefined>; command: string; flags?: Record<string, string> },
): Promise<void> {
  const { method = 'GET', path, query, command, flags = {} } = request;
  const given = Object.entries(query).filter((entry): entry is [string, string] => entry[1] !== undefined);
  if (given.length === 0) return;
  let index: { endpoints?: IndexEndpoint[] };
  try {
    index = (await callJson<{ endpoints?: IndexEndpoint[] }>(endpoint, '/')).body;
  } catch {
    return;
  }
  const basePath = new URL(endpoint.base).pathname.replace(/\/+$/, '');
  const route = index.endpoints?.find((candidate) => candidate.method === method && candidate.path === `${basePath}${path}`);
  if (route === undefined) return;
  const specs = Object.fromEntries(Object.entries(route.params ?? {}).map(([name, description]) => [name, specFromDescription(description)]));
  for (const [name, value] of given) {
    try {
      parseParams(new Map([[name, [value]]]), specs);
    } catch (error) {
      if (!(error instanceof MaintenanceError)) throw error;
      throw new CliError(`${command} ${flags[name] ?? `--${name}`} ${value}: ${error.code}: ${error.message} (the endpoint's own limit; nothing was sent)`, 2);
    }
  }
  if (query.thread !== undefined && Number(query.thread) !== 0) await checkThreadIsLive(endpoint, Number(query.thread), `${command} ${flags.thread ?? '--thread'} ${query.thread}`);
}

async function checkThreadIsLive(endpoint: Endpoint, id: number, asked: string): Promise<void> {
  let threads: Array<{ id: number; name: string }> | undefined;
  try {
    threads = (await callJson<{ threads?: Array<{ id: number; name: string }> }>(endpoint, '/threads')).body.threads;
  } catch {
    return;
  }
  if (threads === undefined || threads.some((thread) => thread.id === id)) return;
  const live = threads.map((thread) => `${thread.id}${thread.name ? ` (${thread.name})` : ''}`).join(', ');
  throw new CliError(`${asked}: THREAD_NOT_FOUND: no live thread has that id; the live threads are ${live} (nothing was sent)`, 2);
}
