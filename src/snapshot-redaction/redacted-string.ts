import { createHmac, randomBytes } from 'node:crypto';

/** Hex digits of the keyed hash kept: 64 bits, so distinct strings of one snapshot do not collide in practice. */
const HASH_HEX_DIGITS = 16;

/**
 * The replacement of one redacted string: `<redacted:len=N:HASH>`, the string's length in UTF-16 units
 * (what JavaScript's `length` says) and an HMAC-SHA-256 of its bytes under a key made for this snapshot
 * alone and then forgotten. Equal strings stay equal within one snapshot (duplicate-string analysis still
 * works); without the key nothing can be recovered or confirmed by guessing, and two snapshots cannot be
 * matched against each other.
 */
export class StringRedactor {
  private readonly key = randomBytes(32);

  /** The JSON bytes, quotes included, that replace the string whose escaped JSON text is `bytes[from..to)`. */
  replacement(bytes: Uint8Array, from: number, to: number, escaped: boolean): Buffer {
    const raw = bytes.subarray(from, to);
    const length = escaped ? (JSON.parse(`"${Buffer.from(raw).toString('utf8')}"`) as string).length : utf16Length(raw);
    const hash = createHmac('sha256', this.key).update(raw).digest('hex').slice(0, HASH_HEX_DIGITS);
    return Buffer.from(`"<redacted:len=${length}:${hash}>"`, 'latin1');
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
