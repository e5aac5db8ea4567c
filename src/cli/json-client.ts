import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { CliError } from './cli-error.js';

export interface JsonReply {
  status: number;
  body: any;
}

/** One JSON request to the endpoint with the bearer token; the reply's JSON, whatever its status. */
export function requestJson(base: string, path: string, token: string, json?: unknown): Promise<JsonReply> {
  const url = new URL(`${base.replace(/\/+$/, '')}${path}`);
  const body = json === undefined ? undefined : JSON.stringify(json);
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { authorization: `Bearer ${token}` };
    if (body !== undefined) Object.assign(headers, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) });
    const req = request(url, { method: body === undefined ? 'GET' : 'POST', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        try {
          resolve({ status: res.statusCode!, body: JSON.parse(text) });
        } catch {
          // Not the endpoint's JSON (a proxy's page): no code of the catalogue, only what came.
          resolve({ status: res.statusCode!, body: { error: { message: `not the endpoint's JSON: ${text.slice(0, 200)}` } } });
        }
      });
    });
    req.on('error', (error) => reject(new CliError(`Cannot reach ${url.origin}: ${error.message}`)));
    req.end(body);
  });
}

/** An error reply as one line: `403 FORBIDDEN: message`. */
export function describeError(reply: JsonReply): string {
  const error = reply.body?.error as { code?: string; message?: string } | undefined;
  return `${reply.status} ${error?.code ?? 'ERROR'}: ${error?.message ?? 'no message'}`;
}
