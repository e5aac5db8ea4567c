import { createHash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

/**
 * Passes bytes through unchanged while hashing and counting them, so the checksum of a streamed
 * artifact is known the moment its last byte has gone by, without staging it anywhere.
 */
export class Sha256Tap extends Transform {
  readonly #hash = createHash('sha256');
  #bytes = 0;
  #digest: string | undefined;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#hash.update(chunk);
    this.#bytes += chunk.length;
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    this.#digest = this.#hash.digest('hex');
    callback();
  }

  get bytes(): number {
    return this.#bytes;
  }

  /** The hex SHA-256 of everything that passed, once the stream has ended; undefined before. */
  get sha256(): string | undefined {
    return this.#digest;
  }
}
