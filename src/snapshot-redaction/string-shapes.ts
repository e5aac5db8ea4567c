/** Tests on a string's JSON bytes, `bytes[from..to)`, that the redaction rule needs besides its marks. (Ranges, not views: a view per string would cost more than the test.) */

const SYMBOL_LABEL = Buffer.from('<symbol ', 'latin1');
/** The names V8 gives every concatenated and sliced string node: labels, not data. */
const FIXED_LABELS = ['(concatenated string)', '(sliced string)'].map((label) => Buffer.from(label, 'latin1'));
/** A name at least this long, with letters and digits mixed, is taken for a generated id rather than a word. */
const TOKEN_MIN_LENGTH = 16;

/** Whether `bytes[from..to)` starts with `prefix`. */
function startsWith(bytes: Uint8Array, from: number, to: number, prefix: Uint8Array): boolean {
  if (to - from < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (bytes[from + i] !== prefix[i]) return false;
  return true;
}

export function isFixedLabel(bytes: Uint8Array, from: number, to: number): boolean {
  // A loop, not FIXED_LABELS.some(...): this runs for most strings, and a closure per call is garbage.
  for (const label of FIXED_LABELS) if (label.length === to - from && startsWith(bytes, from, to, label)) return true;
  return false;
}

/** How V8 names a property keyed by a symbol: `<symbol DESCRIPTION>`. */
export function isSymbolLabel(bytes: Uint8Array, from: number, to: number): boolean {
  return to - from > SYMBOL_LABEL.length && startsWith(bytes, from, to, SYMBOL_LABEL);
}

export function isAllDigits(bytes: Uint8Array, from: number, to: number): boolean {
  if (to <= from) return false;
  for (let i = from; i < to; i++) if (bytes[i]! < 48 || bytes[i]! > 57) return false;
  return true;
}

/**
 * Whether a name looks generated (a session id, a UUID, a hex or base64 token) rather than written by a
 * programmer: at least 16 bytes holding both digits and letters. A heuristic for the one case where the
 * graph cannot tell a key from a property name (a small object used as a dictionary, still in fast
 * mode); it can miss an id without digits, and it redacts the rare long programmer's name with digits.
 */
export function looksLikeToken(bytes: Uint8Array, from: number, to: number): boolean {
  if (to - from < TOKEN_MIN_LENGTH) return false;
  let digits = false;
  let letters = false;
  for (let i = from; i < to; i++) {
    const c = bytes[i]!;
    if (c >= 48 && c <= 57) digits = true;
    else if ((c | 32) >= 97 && (c | 32) <= 122) letters = true;
  }
  return digits && letters;
}
