import { hash, randomBytes } from 'node:crypto';

/** Hex digits of the keyed hash kept: 64 bits, so distinct strings of one snapshot do not collide in practice. */
const HASH_HEX_DIGITS = 16;
/** SHA-256's block size, the length HMAC pads its key to. */
const BLOCK = 64;

/**
 * The replacement of one redacted string: `<redacted:len=N:HASH>`, the string's length in UTF-16 units
 * (what JavaScript's `length` says) and an HMAC-SHA-256 of its bytes under a key made for this snapshot
 * alone and then forgotten. Equal strings stay equal within one snapshot (duplicate-string analysis still
 * works); without the key nothing can be recovered or confirmed by guessing, and two snapshots cannot be
 * matched against each other.
 *
 * The HMAC is computed from its definition (RFC 2104: H(K^opad || H(K^ipad || m))) with one-shot
 * `crypto.hash` over reused buffers: a `createHmac` object per string cost more than the rest of the
 * redaction together, and a snapshot has hundreds of thousands of strings.
 */
export class StringRedactor {
  /** K^ipad then room for the message. */
  private inner: Buffer;
  /** K^opad then the inner digest. */
  private readonly outer = Buffer.alloc(BLOCK + 32);

  constructor() {
    const key = randomBytes(32);
    this.inner = Buffer.alloc(BLOCK + 4096);
    for (let i = 0; i < BLOCK; i++) {
      const k = i < key.length ? key[i]! : 0;
      this.inner[i] = k ^ 0x36;
      this.outer[i] = k ^ 0x5c;
    }
    key.fill(0);
  }

  /** HMAC-SHA-256 of `message` under this snapshot's key, as hex, truncated. */
  keyedHash(message: Uint8Array): string {
    if (BLOCK + message.length > this.inner.length) {
      const grown = Buffer.alloc(Math.max(BLOCK + message.length, this.inner.length * 2));
      this.inner.copy(grown, 0, 0, BLOCK);
      this.inner = grown;
    }
    this.inner.set(message, BLOCK);
    hash('sha256', this.inner.subarray(0, BLOCK + message.length), 'buffer').copy(this.outer, BLOCK);
    return hash('sha256', this.outer, 'hex').slice(0, HASH_HEX_DIGITS);
  }

  /** The JSON text, quotes included, that replaces the string whose escaped JSON bytes are `raw`. */
  replacement(raw: Uint8Array, escaped: boolean): string {
    const length = escaped ? (JSON.parse(`"${Buffer.from(raw).toString('utf8')}"`) as string).length : utf16Length(raw);
    return `"<redacted:len=${length}:${this.keyedHash(raw)}>"`;
  }
}

/** UTF-16 length of UTF-8 bytes: one unit per character, two for a character beyond the BMP (a 4-byte sequence). */
function utf16Length(bytes: Uint8Array): number {
  let units = 0;
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i]!;
    if ((c & 0xc0) !== 0x80) units += c >= 0xf0 ? 2 : 1;
  }
  return units;
}
