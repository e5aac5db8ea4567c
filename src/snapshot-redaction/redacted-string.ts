import { createCipheriv, randomBytes, type Cipher } from 'node:crypto';
import type { ChunkOutput } from './chunk-output.js';

/** Bytes of label per string: 64 bits, so distinct strings of one snapshot do not collide in practice. */
const LABEL_BYTES = 8;
/** Labels made per native call: 32 KiB of keystream. */
const LABELS_PER_BLOCK = 4096;
const ZEROS = Buffer.alloc(LABEL_BYTES * LABELS_PER_BLOCK);
const PREFIX = Buffer.from('"<redacted:len=', 'latin1');
/** The longest replacement: prefix, up to 16 digits of length, ':', 16 hex digits, '>"'. */
const MAX_REPLACEMENT = PREFIX.length + 16 + 1 + LABEL_BYTES * 2 + 2;
const HEX = Buffer.from('0123456789abcdef', 'latin1');
const COLON = 58;
const GREATER = 62;
const QUOTE = 34;

/**
 * The replacement of one redacted string: `<redacted:len=N:LABEL>`, the string's length in UTF-16 units
 * (what JavaScript's `length` says) and a 64-bit label: the bytes of an AES-256-CTR keystream, under a
 * key and nonce made for this snapshot alone and then forgotten, at the position of the string's index
 * in the snapshot's string table.
 *
 * Why the index and not the text: V8 writes each distinct text once in `strings` (its serializer keys
 * the table by content), and every node or edge holding that text points at its one index. So within one
 * snapshot the index identifies the text: equal strings stay equal (they are one entry, one label),
 * distinct strings get labels that are independent pseudorandom values. A label is a function of the key
 * and a position alone, so it says nothing about the text, not even to someone who guesses the text, and
 * two snapshots (two keys) cannot be matched. It is also cheap: one native call makes the labels of
 * 4,096 strings, where a keyed hash of each text cost a third of the redaction.
 */
export class StringLabels {
  private readonly cipher: Cipher;
  private keystream: Buffer = Buffer.alloc(0);
  /** The first string index the current keystream block labels. */
  private blockStart = -LABELS_PER_BLOCK;

  constructor() {
    const key = randomBytes(32);
    this.cipher = createCipheriv('aes-256-ctr', key, randomBytes(16));
    key.fill(0);
  }

  /**
   * Writes the JSON text, quotes included, that replaces string number `index` (indices come in
   * increasing order), whose escaped JSON bytes are `bytes[from..to)` (`ascii` when all are below 0x80).
   */
  writeReplacement(index: number, bytes: Uint8Array, from: number, to: number, escaped: boolean, ascii: boolean, out: ChunkOutput): void {
    while (index >= this.blockStart + LABELS_PER_BLOCK) {
      this.keystream = this.cipher.update(ZEROS);
      this.blockStart += LABELS_PER_BLOCK;
    }
    const length = escaped ? unescapedLength(bytes, from, to) : ascii ? to - from : utf16Length(bytes, from, to);
    const target = out.reserve(MAX_REPLACEMENT);
    let at = out.length;
    // A loop, not PREFIX.copy: for 15 bytes a native call costs more than the bytes.
    for (let i = 0; i < PREFIX.length; i++) target[at++] = PREFIX[i]!;
    at = writeDecimal(target, at, length);
    target[at++] = COLON;
    const label = (index - this.blockStart) * LABEL_BYTES;
    const keystream = this.keystream;
    for (let i = 0; i < LABEL_BYTES; i++) {
      const byte = keystream[label + i]!;
      target[at++] = HEX[byte >>> 4]!;
      target[at++] = HEX[byte & 15]!;
    }
    target[at++] = GREATER;
    target[at++] = QUOTE;
    out.advanceTo(at);
  }
}

/** Writes `value`'s decimal digits at `at` (no string made per label); returns where they end. */
function writeDecimal(target: Buffer, at: number, value: number): number {
  // Lengths are mostly one or two digits: written without the loops below.
  if (value < 10) {
    target[at] = 48 + value;
    return at + 1;
  }
  if (value < 100) {
    const tens = (value / 10) | 0;
    target[at] = 48 + tens;
    target[at + 1] = 48 + value - tens * 10;
    return at + 2;
  }
  let digits = 1;
  for (let rest = value; rest >= 10; rest = Math.floor(rest / 10)) digits++;
  let rest = value;
  for (let i = at + digits - 1; i >= at; i--) {
    target[i] = 48 + (rest % 10);
    rest = Math.floor(rest / 10);
  }
  return at + digits;
}

/** UTF-16 length of a string with JSON escapes (rare: quotes, backslashes, control characters). */
function unescapedLength(bytes: Uint8Array, from: number, to: number): number {
  return (JSON.parse(`"${Buffer.from(bytes.buffer, bytes.byteOffset + from, to - from).toString('utf8')}"`) as string).length;
}

/** UTF-16 length of UTF-8 bytes: one unit per character, two for a character beyond the BMP (a 4-byte sequence). */
function utf16Length(bytes: Uint8Array, from: number, to: number): number {
  let units = 0;
  for (let i = from; i < to; i++) {
    const c = bytes[i]!;
    if ((c & 0xc0) !== 0x80) units += c >= 0xf0 ? 2 : 1;
  }
  return units;
}
