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

const EPHEMERON_VALUE = Buffer.from(' -> value (', 'latin1');
const EPHEMERON_TABLE = Buffer.from(') pair in WeakMap (table @', 'latin1');
const SPACE = 0x20;
const AT = 0x40;

/** Where `needle` first (or, with `last`, last) stands in `bytes[from..to)`, or -1. */
function indexOf(bytes: Uint8Array, from: number, to: number, needle: Uint8Array, last = false): number {
  const end = to - needle.length;
  for (let k = 0; k <= end - from; k++) {
    const i = last ? end - k : from + k;
    let j = 0;
    while (j < needle.length && bytes[i + j] === needle[j]) j++;
    if (j === needle.length) return i;
  }
  return -1;
}

/**
 * In the name V8 gives a WeakMap table's edge, `N / part of key (K @1) -> value (V @2) pair in WeakMap
 * (table @3)`, the range of V: the value's node name, a string value's text. Undefined for any other name.
 */
export function ephemeronValueRange(bytes: Uint8Array, from: number, to: number): { from: number; to: number } | undefined {
  const value = indexOf(bytes, from, to, EPHEMERON_VALUE);
  if (value === -1) return undefined;
  const table = indexOf(bytes, value, to, EPHEMERON_TABLE, true);
  if (table === -1) return undefined;
  // The value's id, ` @2`, ends the parenthesis: the name runs up to the last ` @` before it.
  let end = table - 1;
  while (end > value && !(bytes[end] === AT && bytes[end - 1] === SPACE)) end--;
  const start = value + EPHEMERON_VALUE.length;
  return end - 1 >= start ? { from: start, to: end - 1 } : undefined;
}
