import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { releaseMemory } from './array-memory.js';
import { WorkFile } from './work-file.js';

/** Bytes encrypted or decrypted per call: each call returns a new buffer, freed as soon as it is used. */
const PIECE = 1 << 16;
const AES_BLOCK = 16;

/**
 * A `WorkFile` for a snapshot's strings, which are its secrets (tokens, passwords, session ids) unless
 * the snapshot was redacted: what is written is encrypted (AES-256-CTR) with a random key that exists only
 * in this process's memory, so what the system writes out of its page cache, or what a disk keeps after
 * the file is gone, is noise. Counter mode lets any piece be read back on its own.
 * Positions are multiples of 16 bytes.
 */
export class SealedWorkFile {
  private readonly key = randomBytes(32);
  private readonly nonce = randomBytes(8);

  private constructor(private readonly file: WorkFile) {}

  static open(): SealedWorkFile | undefined {
    const file = WorkFile.open();
    return file === undefined ? undefined : new SealedWorkFile(file);
  }

  /** Writes `bytes` encrypted at `position` (a multiple of 16); throws when the disk refuses. */
  writeAt(bytes: Uint8Array, position: number): void {
    const cipher = createCipheriv('aes-256-ctr', this.key, this.counter(position));
    for (let at = 0; at < bytes.length; at += PIECE) {
      const sealed = cipher.update(bytes.subarray(at, Math.min(bytes.length, at + PIECE)));
      this.file.writeAt(sealed, position + at);
      releaseOwnMemory(sealed);
    }
  }

  /**
   * Up to `length` bytes from `position` (a multiple of 16), decrypted into a buffer of their own (fewer at
   * the file's end), which the caller frees with `releaseMemory` when done.
   */
  readAt(length: number, position: number): Buffer {
    const bytes = Buffer.from(new ArrayBuffer(length));
    const read = this.file.readAt(bytes, position);
    const decipher = createDecipheriv('aes-256-ctr', this.key, this.counter(position));
    // Each piece is decrypted over itself: what it was read from is not needed after.
    for (let at = 0; at < read; at += PIECE) {
      const piece = decipher.update(bytes.subarray(at, Math.min(read, at + PIECE)));
      bytes.set(piece, at);
      releaseOwnMemory(piece);
    }
    return bytes.subarray(0, read);
  }

  close(): void {
    this.file.close();
  }

  /** The counter block for a position: the nonce, then the position's 16-byte block number. */
  private counter(position: number): Buffer {
    if (position % AES_BLOCK !== 0) throw new Error('sealed work file positions are multiples of 16');
    const iv = Buffer.alloc(16);
    this.nonce.copy(iv, 0);
    iv.writeBigUInt64BE(BigInt(position / AES_BLOCK), 8);
    return iv;
  }
}

/** Frees a buffer crypto returned when it has its memory to itself (a small one may share Node's pool). */
function releaseOwnMemory(buffer: Buffer): void {
  if (buffer.byteOffset === 0 && buffer.buffer.byteLength === buffer.byteLength) releaseMemory(buffer);
}
