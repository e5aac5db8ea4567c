import { readFileSync } from 'node:fs';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { CliError } from './cli-error.js';
import { TOKEN_ON_COMMAND_LINE } from './parse-command-line.js';

export const TOKEN_ENV = 'MAINTENANCE_ENDPOINT_TOKEN';
export const URL_ENV = 'MAINTENANCE_ENDPOINT_URL';

/** A running endpoint as the CLI reaches it: its base URL and the token to present. */
export interface Endpoint {
  base: string;
  token: string;
}

export function resolveEndpoint(values: { url?: string | undefined; 'token-file'?: string | undefined }, env = process.env): Endpoint {
  const url = values.url ?? env[URL_ENV];
  if (url === undefined || url === '') throw new CliError(`--url BASE is required (or set ${URL_ENV}), e.g. --url http://127.0.0.1:9464/ops.`, 2);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new CliError(`--url "${url}" is not a URL; give the endpoint's base, e.g. http://127.0.0.1:9464/ops.`, 2);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new CliError(`--url must be http: or https:, not ${parsed.protocol}`, 2);
  return { base: url.replace(/\/+$/, ''), token: readToken(values['token-file'], env) };
}

function readToken(tokenFile: string | undefined, env: NodeJS.ProcessEnv): string {
  let token: string | undefined;
  if (tokenFile !== undefined) {
    try {
      token = readFileSync(tokenFile, 'utf8').trim();
    } catch (error) {
      throw new CliError(`Cannot read --token-file ${tokenFile}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}.`, 2);
    }
  } else {
    token = env[TOKEN_ENV];
  }
  if (token === undefined || token === '') throw new CliError(`No token: ${TOKEN_ON_COMMAND_LINE}.`, 2);
  return token;
}

export interface CallOptions {
  method?: 'GET' | 'POST' | 'DELETE';
  query?: Record<string, string | undefined>;
  /** Ask for gzip: the CLI decodes it on the way to the file. */
  gzip?: boolean;
}

/** The URL of `path` under the endpoint's base, with the given query (undefined values left out). */
export function endpointUrl(endpoint: Endpoint, path: string, query: CallOptions['query'] = {}): URL {
  const url = new URL(`${endpoint.base}${path}`);
  // URLSearchParams writes + as %2B and % as %25, so `--at ...+02:00` and `--when heap-above:80%` arrive intact.
  for (const [name, value] of Object.entries(query)) if (value !== undefined) url.searchParams.set(name, value);
  return url;
}

/**
 * Sends one request and resolves with the response once its status is a success (2xx); any other
 * status becomes a CliError carrying the endpoint's own message and, where it helps, what to try.
 */
export async function call(endpoint: Endpoint, path: string, options: CallOptions = {}): Promise<IncomingMessage> {
  const url = endpointUrl(endpoint, path, options.query);
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  const response = await new Promise<IncomingMessage>((resolve, reject) => {
    const req = send(
      url,
      {
        method: options.method ?? 'GET',
        headers: { authorization: `Bearer ${endpoint.token}`, ...(options.gzip ? { 'accept-encoding': 'gzip' } : {}) },
      },
      resolve,
    );
    req.on('error', (error) => reject(new CliError(`Cannot reach ${url.origin}: ${error.message}`)));
    req.end();
  });
  if (response.statusCode! >= 400) throw await failure(response, url, endpoint);
  return response;
}

/** Sends a request and parses the JSON answer. */
export async function callJson<T = unknown>(endpoint: Endpoint, path: string, options: CallOptions = {}): Promise<{ status: number; body: T; text: string }> {
  const response = await call(endpoint, path, options);
  const text = await readText(response);
  try {
    return { status: response.statusCode!, body: (text === '' ? null : JSON.parse(text)) as T, text };
  } catch {
    throw new CliError(`${url(endpoint, path)} answered ${response.statusCode} with something other than JSON; is --url the endpoint's base?`);
  }
}

export async function readText(response: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of response) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function url(endpoint: Endpoint, path: string): string {
  return `${endpoint.base}${path}`;
}

async function failure(response: IncomingMessage, url: URL, endpoint: Endpoint): Promise<CliError> {
  const body = await readText(response).catch(() => '');
  const status = response.statusCode!;
  let error: { code?: string; message?: string } | undefined;
  try {
    error = (JSON.parse(body) as { error?: { code?: string; message?: string } }).error;
  } catch {
    error = undefined;
  }
  const said = error?.message !== undefined ? `${error.code ?? 'ERROR'}: ${error.message}` : body.trim().split('\n')[0]!.slice(0, 200) || (response.statusMessage ?? '');
  const hints: string[] = [];
  if (status === 404 && (error?.code !== 'NOT_FOUND' || error.message === 'No such endpoint.' || new URL(endpoint.base).pathname.replace(/\/+$/, '') === '')) {
    const base = new URL(endpoint.base);
    hints.push(
      `Is --url the endpoint's base path? The API lives under one, /ops unless configured: try --url ${base.protocol}//${base.host}${base.pathname.replace(/\/+$/, '')}/ops` +
        ` (check with GET ${base.protocol}//${base.host}/ops/, the index, which lists every endpoint).`,
    );
  }
  if (status === 401) hints.push(`The endpoint did not accept the token: check --token-file or ${TOKEN_ENV}.`);
  if (status === 409 || status === 429) {
    const retry = response.headers['retry-after'];
    if (retry !== undefined) hints.push(`Try again in ${retry} s.`);
  }
  return new CliError([`${status} from ${url.pathname}: ${said}`, ...hints].join('\n'), status === 400 ? 2 : 1);
}
