import { request } from 'node:http';

export interface Download {
  status: number;
  /** Body bytes received (identity encoding: the client does not offer gzip). */
  bytes: number;
  /** From sending the request until the last byte was in. */
  seconds: number;
  /** From sending the request until the first body byte was in; null for an empty body. */
  firstByteSeconds: number | null;
  /** The first and last few bytes of the body, which show whether a JSON document is all there. */
  head: string;
  tail: string;
  /** The start of the body of an answer other than 200, for the report. */
  errorText: string;
}

const EDGE_BYTES = 32;
const ERROR_TEXT_BYTES = 2048;

/**
 * GETs `url` and reads the body as fast as the socket delivers it, keeping nothing but counts and the
 * edges (plus whatever `onChunk` does with each chunk, e.g. a streaming structure check).
 */
export function download(url: string, options: { token: string; onChunk?: (chunk: Buffer) => void }): Promise<Download> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = request(url, { headers: { authorization: `Bearer ${options.token}` }, agent: false }, (res) => {
      let bytes = 0;
      let firstByteSeconds: number | null = null;
      let head = Buffer.alloc(0);
      let tail = Buffer.alloc(0);
      let errorText = '';
      res.on('data', (chunk: Buffer) => {
        firstByteSeconds ??= (performance.now() - started) / 1000;
        bytes += chunk.length;
        if (head.length < EDGE_BYTES) head = Buffer.concat([head, chunk.subarray(0, EDGE_BYTES - head.length)]);
        // Copies at most EDGE_BYTES per chunk, never the chunk itself.
        tail = chunk.length >= EDGE_BYTES ? Buffer.from(chunk.subarray(-EDGE_BYTES)) : Buffer.concat([tail, chunk]).subarray(-EDGE_BYTES);
        if (res.statusCode !== 200 && errorText.length < ERROR_TEXT_BYTES) errorText += chunk.toString('utf8', 0, ERROR_TEXT_BYTES);
        options.onChunk?.(chunk);
      });
      let seconds = 0;
      res.once('end', () => (seconds = (performance.now() - started) / 1000));
      res.once('close', () => {
        if (!res.complete) {
          reject(new Error(`the connection closed after ${bytes} bytes, before the end of the response`));
          return;
        }
        resolve({
          status: res.statusCode ?? 0,
          bytes,
          seconds,
          firstByteSeconds,
          head: head.toString('utf8'),
          tail: tail.toString('utf8'),
          errorText: errorText.slice(0, ERROR_TEXT_BYTES),
        });
      });
      res.once('error', reject);
    });
    req.once('error', reject);
    req.end();
  });
}
