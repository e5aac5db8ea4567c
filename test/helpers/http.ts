import { request as httpRequest, type IncomingMessage } from 'node:http';
import { connect, type Socket } from 'node:net';
import { gunzipSync } from 'node:zlib';

export interface Reply {
  status: number;
  headers: IncomingMessage['headers'];
  body: Buffer;
  json<T = any>(): T;
}

export interface RequestOptions {
  token?: string;
  method?: string;
  headers?: Record<string, string>;
  /** Sent as JSON (with its content type) when given. */
  json?: unknown;
}

/**
 * A plain HTTP request with node:http (no client magic: HEAD, odd Host headers and raw bytes as sent),
 * on a connection of its own: a kept-alive one may be closed by the server while idle just as it is
 * reused (a test process frozen by its own heap snapshot idles past the server's keep-alive timeout),
 * and that race would fail the request with "socket hang up".
 */
export function request(url: string, { token, method = 'GET', headers = {}, json }: RequestOptions = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const body = json === undefined ? undefined : JSON.stringify(json);
    const contentType: Record<string, string> = body === undefined ? {} : { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) };
    const req = httpRequest(url, { agent: false, method, headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...contentType, ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('aborted', () => reject(new Error('response aborted')));
      res.on('end', () => {
        if (!res.complete) return reject(new Error('response incomplete'));
        const body = Buffer.concat(chunks);
        resolve({ status: res.statusCode!, headers: res.headers, body, json: () => JSON.parse(body.toString('utf8')) });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** POSTs `json` and reads the reply. */
export function postJson(url: string, token: string | undefined, json: unknown): Promise<Reply> {
  return request(url, { token, method: 'POST', json });
}

/** Resolves with the response head and leaves the body unread (paused): a client that is slow or leaves. */
export function openStream(url: string, token: string, headers: Record<string, string> = {}): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { agent: false, headers: { authorization: `Bearer ${token}`, ...headers } }, (res) => {
      res.pause();
      resolve(res);
    });
    req.on('error', reject);
    req.end();
  });
}

export function readAll(res: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (chunk: Buffer) => chunks.push(chunk));
    res.on('error', reject);
    res.on('end', () => (res.complete ? resolve(Buffer.concat(chunks)) : reject(new Error('response incomplete'))));
    res.resume();
  });
}

export function gunzip(body: Buffer): Buffer {
  return gunzipSync(body);
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `probe` until it returns a truthy value or `timeoutMs` passes (generous: a loaded machine is slow). */
export async function eventually<T>(probe: () => Promise<T | undefined | false>, timeoutMs = 60_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/**
 * As eventually, asking at most about twice a second: for a test that asks an endpoint, whose rate limit
 * (300 a minute per token) a poll every 100 ms of two URLs would exhaust.
 */
export function eventuallyEveryHalfSecond<T>(probe: () => Promise<T | undefined | false>, timeoutMs: number, what: string): Promise<T> {
  return eventually(async () => {
    await sleep(400);
    return probe();
  }, timeoutMs, what);
}

/**
 * Sends a GET and ignores any answer; `destroy()` hangs up: a client that gives up, once the test has
 * seen what it needs (the operation running), not after a fixed time.
 */
export function sendAndHold(url: string, token: string): { destroy(): void } {
  const req = httpRequest(url, { agent: false, headers: { authorization: `Bearer ${token}` } });
  // Hanging up is the point: the error it causes here, and an answer, are nobody's concern.
  req.on('error', () => {});
  req.on('response', (res) => res.on('error', () => {}).resume());
  req.end();
  return { destroy: () => req.destroy() };
}

/** Repeats a GET while it is refused with 409 (the operation's slot is still taken), then returns the reply. */
export function requestOnceFree(url: string, token: string, timeoutMs = 30_000): Promise<Reply> {
  return eventually(async () => {
    const reply = await request(url, { token });
    return reply.status === 409 ? undefined : reply;
  }, timeoutMs, `${new URL(url).pathname} to be free`);
}

/** Opens `count` TCP connections that never send a byte; resolves once each has connected or been closed. */
export async function idleConnections(url: string, count: number): Promise<Socket[]> {
  const { hostname, port } = new URL(url);
  const sockets: Socket[] = [];
  await Promise.all(
    Array.from({ length: count }, () =>
      new Promise<void>((resolve) => {
        const socket = connect({ host: hostname, port: Number(port) }, () => resolve());
        socket.on('error', () => resolve());
        socket.on('close', () => resolve());
        sockets.push(socket);
      }),
    ),
  );
  return sockets;
}
