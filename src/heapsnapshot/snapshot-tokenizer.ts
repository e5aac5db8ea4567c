import { malformedSnapshot } from './snapshot-error.js';

/**
 * The byte scanner of the `.heapsnapshot` format: one JSON document whose top-level values are a small
 * `snapshot` header, huge arrays of integers (`nodes`, `edges`) and an array of strings (`strings`).
 * It is pushed chunks of bytes as they arrive and reports what it reads as events, with absolute byte
 * offsets, never keeping the text: numbers in batches, each string as its raw JSON bytes (escapes kept,
 * so a transform can pass them on or rewrite them). A builder of the graph and a rewriting stream
 * transform are two consumers of the same events.
 *
 * Written by hand rather than on a generic streaming JSON tokenizer: integers are nearly all of the
 * bytes, and a state machine that folds digits into a number in one loop over a Buffer makes no token
 * objects, which is what keeps it at hundreds of MB/s.
 */
export interface SnapshotEvents {
  /** The `snapshot` header (meta, counts), parsed: it is small. `end` is the offset after its closing brace. */
  header(value: unknown, end: number): void;
  /** A top-level key's value starts at `offset` (its first byte). */
  sectionStart(name: string, offset: number): void;
  /**
   * Integers of an integer section (`nodes`, `edges`), in order: `values[0..count)`. The array is reused
   * after the call returns.
   */
  numbers(values: Float64Array, count: number): void;
  /**
   * One element of `strings`: its bytes between the quotes are `bytes[from..to)`, JSON escapes kept
   * (`escaped` says whether there is any); in the input it runs from `start` (the opening quote) to `end`
   * (after the closing one). `ascii` says whether every byte is below 0x80 (then, unless escaped, its
   * UTF-16 length is its byte length). The bytes are reused after the call returns. (A range, not a view:
   * a view per string would cost more than the string.)
   */
  string(bytes: Uint8Array, from: number, to: number, escaped: boolean, start: number, end: number, ascii: boolean): void;
  /** The section's value ended; `offset` is after its last byte. */
  sectionEnd(name: string, offset: number): void;
}

/** Top-level values read as integer arrays; any other value but `snapshot` and `strings` is skipped, checked to be (nested) integer arrays. */
const INTEGER_SECTIONS = new Set(['nodes', 'edges']);
/** The header is a few KB; a larger one is not a snapshot, and holding it would break the memory bound. */
const MAX_HEADER_BYTES = 1 << 20;
const MAX_KEY_BYTES = 256;
const BATCH = 1 << 14;

/** In a skipped section: what may come next. */
const enum Expect {
  Value,
  ValueOrClose,
  InNumber,
  /** A number that is a single 0 so far: no digit may follow. */
  AfterZero,
  CommaOrClose,
}

const enum State {
  BeforeDocument,
  BeforeKey,
  Key,
  AfterKey,
  BeforeValue,
  Header,
  Integers,
  BeforeString,
  InString,
  AfterString,
  Skip,
  AfterValue,
  End,
}

const QUOTE = 34;
const BACKSLASH = 92;
const COMMA = 44;
const COLON = 58;
const OPEN_BRACKET = 91;
const CLOSE_BRACKET = 93;
const OPEN_BRACE = 123;
const CLOSE_BRACE = 125;
/** The first byte of a gzip stream. */
const GZIP_MAGIC = 0x1f;

/** The escapeState right after a backslash (a `\\u` escape then counts its hex digits down from 5 to 1). */
const ESCAPE_BEGUN = 6;
const LOWER_U = 117;
/** What may follow a backslash in JSON besides `u`: `"` `\\` `/` `b` `f` `n` `r` `t`. */
const ESCAPED_BYTES = new Set([34, 92, 47, 98, 102, 110, 114, 116]);
const isHexDigit = (c: number): boolean => (c >= 48 && c <= 57) || ((c | 32) >= 97 && (c | 32) <= 102);

/**
 * For a number of n digits, 10^(n - 1): below it, it began with a zero (0 for one digit, where "0" is
 * the number zero). Inexact past 10^22, infinite past 10^308: no count V8 writes is that long.
 */
const LEADING_ZERO_BELOW = Array.from({ length: 400 }, (_, n) => (n > 1 ? 10 ** (n - 1) : 0));

const isSpace = (c: number): boolean => c === 32 || c === 10 || c === 13 || c === 9;

export class SnapshotTokenizer {
  private state = State.BeforeDocument;
  private offset = 0;
  private key = '';
  private keyBytes: number[] = [];
  private headerParts: Uint8Array[] = [];
  private headerLength = 0;
  private depth = 0;
  private inSkipString = false;
  /** What the next byte of a skipped section may be. */
  private skipExpect = 0 as Expect;
  private skipEscape = false;
  private sawHeader = false;

  // Integer section state.
  private value = 0;
  private digits = 0;
  private needComma = false;
  private afterComma = false;
  private readonly batch = new Float64Array(BATCH);
  private batchCount = 0;

  // String section state.
  private stringStart = 0;
  private escaped = false;
  private ascii = true;
  /**
   * Where the current string is in an escape: 0 outside one, ESCAPE_BEGUN after its backslash, else the
   * hex digits of a `\u` escape still to come plus one. One number, tested once per byte.
   */
  private escapeState = 0;
  private stringParts: Uint8Array | undefined;
  private stringPartsLength = 0;

  constructor(private readonly events: SnapshotEvents) {}

  /** Bytes read so far. */
  get bytesRead(): number {
    return this.offset;
  }

  /** Reads one chunk; throws SNAPSHOT_MALFORMED at the first byte that cannot belong to a snapshot. */
  write(chunk: Uint8Array): void {
    const length = chunk.length;
    let i = 0;
    while (i < length) {
      switch (this.state) {
        case State.Integers:
          i = this.integers(chunk, i);
          break;
        case State.InString:
          i = this.inString(chunk, i);
          break;
        case State.BeforeString:
        case State.AfterString:
          i = this.betweenStrings(chunk, i);
          break;
        case State.Header:
          i = this.header(chunk, i);
          break;
        case State.Skip:
          i = this.skip(chunk, i);
          break;
        default:
          this.structure(chunk[i]!, this.offset + i);
          i++;
      }
    }
    if (this.state === State.InString) this.keepStringPart(chunk, this.stringChunkStart(chunk), length);
    this.flushNumbers();
    this.offset += length;
  }

  /** The input ended: anything but a whole document is an error. */
  end(): void {
    if (this.state === State.End) return;
    if (this.offset === 0) throw malformedSnapshot('the input is empty', 0);
    if (this.state === State.BeforeDocument) throw malformedSnapshot('the input holds only white space', this.offset);
    throw malformedSnapshot(`the input ends inside ${this.key === '' ? 'the document' : `"${this.key}"`} (truncated)`, this.offset);
  }

  private structure(c: number, at: number): void {
    if (isSpace(c) && this.state !== State.Key) return;
    switch (this.state) {
      case State.BeforeDocument:
        if (c === GZIP_MAGIC) throw malformedSnapshot('the input is gzip-compressed; decompress it first (gunzip -c FILE | maintenance-endpoint analyze -)', at);
        if (c !== OPEN_BRACE) throw malformedSnapshot('a heap snapshot is a JSON object starting with "{"', at);
        this.state = State.BeforeKey;
        return;
      case State.BeforeKey:
        if (c === QUOTE) {
          this.keyBytes = [];
          this.state = State.Key;
          return;
        }
        if (c === CLOSE_BRACE && !this.afterComma) {
          this.state = State.End;
          return;
        }
        throw malformedSnapshot('expected a key', at);
      case State.Key:
        if (c === QUOTE) {
          this.key = String.fromCharCode(...this.keyBytes);
          this.state = State.AfterKey;
          return;
        }
        if (c === BACKSLASH || c < 32 || this.keyBytes.length >= MAX_KEY_BYTES) throw malformedSnapshot('a top-level key is not a short plain name', at);
        this.keyBytes.push(c);
        return;
      case State.AfterKey:
        if (c !== COLON) throw malformedSnapshot(`expected ":" after "${this.key}"`, at);
        this.state = State.BeforeValue;
        return;
      case State.BeforeValue:
        this.beginValue(c, at);
        return;
      case State.AfterValue:
        if (c === COMMA) {
          this.afterComma = true;
          this.state = State.BeforeKey;
          return;
        }
        if (c === CLOSE_BRACE) {
          if (!this.sawHeader) throw malformedSnapshot('the document has no "snapshot" header', at);
          this.state = State.End;
          return;
        }
        throw malformedSnapshot(`expected "," or "}" after "${this.key}"`, at);
      case State.End:
        throw malformedSnapshot('bytes after the end of the document', at);
      default:
        throw malformedSnapshot('unexpected byte', at);
    }
  }

  private beginValue(c: number, at: number): void {
    const key = this.key;
    this.afterComma = false;
    if (key === 'snapshot') {
      if (c !== OPEN_BRACE) throw malformedSnapshot('"snapshot" is not an object', at);
      this.events.sectionStart(key, at);
      this.headerParts = [Uint8Array.of(OPEN_BRACE)];
      this.headerLength = 1;
      this.depth = 1;
      this.inSkipString = false;
      this.state = State.Header;
      return;
    }
    if (!this.sawHeader) throw malformedSnapshot(`a heap snapshot starts with its "snapshot" header; this document has "${key}" first`, at);
    if (INTEGER_SECTIONS.has(key) || key === 'strings') {
      if (c !== OPEN_BRACKET) throw malformedSnapshot(`"${key}" is not an array`, at);
      this.events.sectionStart(key, at);
      if (key === 'strings') {
        this.state = State.BeforeString;
        this.needComma = false;
        this.afterComma = false;
      } else {
        this.state = State.Integers;
        this.value = 0;
        this.digits = 0;
        this.needComma = false;
        this.afterComma = false;
      }
      return;
    }
    // Sections this reader does not use (trace_function_infos, trace_tree, samples, locations): checked, not kept.
    if (c !== OPEN_BRACKET) throw malformedSnapshot(`"${key}" is not an array`, at);
    this.events.sectionStart(key, at);
    this.depth = 1;
    this.skipExpect = Expect.ValueOrClose;
    this.state = State.Skip;
  }

  /**
   * The hot loop: each number's digits folded in an inner loop of their own, numbers batched. A number
   * cut by the end of a chunk is carried (`value`, `digits`) into the next.
   */
  private integers(chunk: Uint8Array, from: number): number {
    const batch = this.batch;
    let count = this.batchCount;
    let value = this.value;
    let digits = this.digits;
    let needComma = this.needComma;
    let afterComma = this.afterComma;
    let i = from;
    const length = chunk.length;
    while (i < length) {
      let c = chunk[i]!;
      if (digits !== 0) {
        // The rest of a number the last chunk ended in; what ends it is read by the loop's next turn.
        const first = i;
        while (c >= 48 && c <= 57) {
          value = value * 10 + (c - 48);
          if (++i === length) break;
          c = chunk[i]!;
        }
        digits += i - first;
        if (i === length) break;
        if (value < LEADING_ZERO_BELOW[digits]!) throw malformedSnapshot(`a number with a leading zero in "${this.key}"`, this.offset + i);
        batch[count++] = value;
        if (count === BATCH) {
          this.events.numbers(batch, count);
          count = 0;
        }
        value = 0;
        digits = 0;
        needComma = true;
        afterComma = false;
        continue;
      }
      if ((c - 48) >>> 0 <= 9) {
        if (needComma) throw malformedSnapshot(`two numbers without a comma in "${this.key}"`, this.offset + i);
        this.batchCount = count;
        this.afterComma = afterComma;
        this.value = 0;
        this.digits = 0;
        i = this.numberRun(chunk, i);
        count = this.batchCount;
        value = this.value;
        digits = this.digits;
        needComma = this.needComma;
        afterComma = this.afterComma;
        continue;
      }
      if (c === COMMA) {
        if (!needComma) throw malformedSnapshot(`a missing number in "${this.key}"`, this.offset + i);
        needComma = false;
        afterComma = true;
        i++;
        continue;
      }
      if (c === 10 || c === 32 || c === 13 || c === 9) {
        i++;
        continue;
      }
      if (c === CLOSE_BRACKET) {
        if (afterComma) throw malformedSnapshot(`a trailing comma in "${this.key}"`, this.offset + i);
        this.batchCount = count;
        this.flushNumbers();
        count = 0;
        needComma = false;
        this.events.sectionEnd(this.key, this.offset + i + 1);
        this.state = State.AfterValue;
        i++;
        break;
      }
      throw malformedSnapshot(`"${this.key}" holds something other than non-negative integers`, this.offset + i);
    }
    this.batchCount = count;
    this.value = value;
    this.digits = digits;
    this.needComma = needComma;
    this.afterComma = afterComma;
    return i;
  }

  /**
   * A run of numbers each followed by its comma, from the digit at `from`: the bulk of the file, read in a
   * function of its own so that V8 optimizes it as a whole rather than as a loop inside `integers` (whose
   * optimized code it would leave, at a cost, at every end of a run). Each number is folded in a local
   * begun at its first digit: V8 then does the arithmetic on integers rather than doubles (a number past
   * 2^31 only makes it fall back to doubles). Returns where the run stops: at what ends a number other than
   * a comma, at what follows a comma other than a digit, or at the end of the chunk (inside a number, it is
   * carried in `value` and `digits`). The state goes back in the fields.
   */
  private numberRun(chunk: Uint8Array, from: number): number {
    const batch = this.batch;
    let count = this.batchCount;
    let afterComma = this.afterComma;
    let needComma = false;
    const length = chunk.length;
    let i = from;
    let c = chunk[i]!;
    for (;;) {
      const first = i;
      let own = c - 48;
      let next = 0;
      while (++i < length && (next = chunk[i]! - 48) >>> 0 <= 9) own = own * 10 + next;
      if (i === length) {
        this.value = own;
        this.digits = i - first;
        break;
      }
      // JSON has no leading zeros, and V8 writes none: "012" would pass on into a file no parser takes.
      if (own < LEADING_ZERO_BELOW[i - first]!) throw malformedSnapshot(`a number with a leading zero in "${this.key}"`, this.offset + i);
      batch[count++] = own;
      if (count === BATCH) {
        this.events.numbers(batch, count);
        count = 0;
      }
      if (next !== COMMA - 48) {
        needComma = true;
        afterComma = false;
        break;
      }
      afterComma = true;
      if (++i === length) break;
      c = chunk[i]!;
      if ((c - 48) >>> 0 > 9) break;
    }
    this.batchCount = count;
    this.needComma = needComma;
    this.afterComma = afterComma;
    return i;
  }

  private flushNumbers(): void {
    if (this.batchCount === 0) return;
    const count = this.batchCount;
    this.batchCount = 0;
    this.events.numbers(this.batch, count);
  }

  private betweenStrings(chunk: Uint8Array, from: number): number {
    let i = from;
    const length = chunk.length;
    for (; i < length; i++) {
      const c = chunk[i]!;
      if (isSpace(c)) continue;
      const at = this.offset + i;
      if (this.state === State.AfterString) {
        if (c === COMMA) {
          this.state = State.BeforeString;
          this.afterComma = true;
          continue;
        }
        if (c === CLOSE_BRACKET) return this.endStrings(i);
        throw malformedSnapshot('expected "," or "]" in "strings"', at);
      }
      if (c === QUOTE) {
        this.stringStart = at;
        this.escaped = false;
        this.ascii = true;
        this.escapeState = 0;
        this.stringPartsLength = 0;
        this.state = State.InString;
        this.afterComma = false;
        return i + 1;
      }
      if (c === CLOSE_BRACKET && !this.afterComma) return this.endStrings(i);
      throw malformedSnapshot('"strings" holds something other than strings', at);
    }
    return i;
  }

  private endStrings(i: number): number {
    this.events.sectionEnd(this.key, this.offset + i + 1);
    this.state = State.AfterValue;
    return i + 1;
  }

  /** Where the current string's bytes begin in this chunk: after its quote, or at 0 when it began earlier. */
  private stringChunkStart(chunk: Uint8Array): number {
    const start = this.stringStart + 1 - this.offset;
    return start > 0 ? Math.min(start, chunk.length) : 0;
  }

  private inString(chunk: Uint8Array, from: number): number {
    let i = from;
    const length = chunk.length;
    let escapeState = this.escapeState;
    let ascii = this.ascii;
    for (;;) {
      for (; i < length; i++) {
        const c = chunk[i]!;
        if (escapeState !== 0) {
          // A JSON escape is checked, not decoded: a bad one would pass to the consumer in a string that is kept.
          if (escapeState === ESCAPE_BEGUN) {
            if (c === LOWER_U) escapeState = 5;
            else if (ESCAPED_BYTES.has(c)) escapeState = 0;
            else throw malformedSnapshot('an invalid escape inside a string', this.offset + i);
          } else {
            if (!isHexDigit(c)) throw malformedSnapshot('a \\u escape without four hex digits inside a string', this.offset + i);
            escapeState--;
            if (escapeState === 1) escapeState = 0;
          }
          continue;
        }
        if (c === BACKSLASH) {
          escapeState = ESCAPE_BEGUN;
          this.escaped = true;
          continue;
        }
        if (c === QUOTE) break;
        // One test for two rare bytes: a control character (an error) and a byte of a non-ASCII character.
        if ((c - 32) >>> 0 > 95) {
          if (c < 32) throw malformedSnapshot('a control character inside a string', this.offset + i);
          ascii = false;
        }
      }
      if (i === length) {
        this.escapeState = escapeState;
        this.ascii = ascii;
        return i;
      }
      const start = this.stringChunkStart(chunk);
      if (this.stringPartsLength === 0) {
        this.events.string(chunk, start, i, this.escaped, this.stringStart, this.offset + i + 1, ascii);
      } else {
        this.keepStringPart(chunk, start, i);
        this.events.string(this.stringParts!, 0, this.stringPartsLength, this.escaped, this.stringStart, this.offset + i + 1, ascii);
      }
      this.stringPartsLength = 0;
      // The next string right after a comma, as V8 writes nearly all of them, is read here rather than
      // after a turn through the caller (what betweenStrings would do for it, done in place).
      if (i + 2 < length && chunk[i + 1] === COMMA && chunk[i + 2] === QUOTE) {
        this.stringStart = this.offset + i + 2;
        this.escaped = false;
        ascii = true;
        i += 3;
        continue;
      }
      this.escapeState = 0;
      this.ascii = ascii;
      this.state = State.AfterString;
      return i + 1;
    }
  }

  /** A string that spans chunks is copied together; the scratch grows to the longest string seen. */
  private keepStringPart(chunk: Uint8Array, from: number, to: number): void {
    const needed = this.stringPartsLength + (to - from);
    if (this.stringParts === undefined || this.stringParts.length < needed) {
      const grown = new Uint8Array(Math.max(needed, (this.stringParts?.length ?? 4096) * 2));
      if (this.stringParts !== undefined) grown.set(this.stringParts.subarray(0, this.stringPartsLength));
      this.stringParts = grown;
    }
    this.stringParts.set(chunk.subarray(from, to), this.stringPartsLength);
    this.stringPartsLength = needed;
  }

  private header(chunk: Uint8Array, from: number): number {
    let i = from;
    const length = chunk.length;
    for (; i < length; i++) {
      if (this.skipByte(chunk[i]!, this.offset + i)) {
        i++;
        break;
      }
    }
    const part = chunk.subarray(from, i);
    this.headerLength += part.length;
    if (this.headerLength > MAX_HEADER_BYTES) throw malformedSnapshot(`the "snapshot" header is larger than ${MAX_HEADER_BYTES} bytes`, this.offset + i);
    this.headerParts.push(part.slice());
    if (this.state === State.AfterValue) {
      const text = Buffer.concat(this.headerParts).toString('utf8');
      this.headerParts = [];
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        throw malformedSnapshot('the "snapshot" header is not valid JSON', this.offset + i);
      }
      this.sawHeader = true;
      this.events.header(value, this.offset + i);
      this.events.sectionEnd('snapshot', this.offset + i);
    }
    return i;
  }

  /**
   * A section read for its extent only. V8 writes nothing there but arrays of non-negative integers, nested in
   * `trace_tree` (its text is all in `strings`), so anything else is malformed: a string there would pass
   * the redaction unread.
   */
  private skip(chunk: Uint8Array, from: number): number {
    const length = chunk.length;
    for (let i = from; i < length; i++) {
      const c = chunk[i]!;
      const expect = this.skipExpect;
      if (c >= 48 && c <= 57) {
        if (expect === Expect.CommaOrClose) throw malformedSnapshot(`two numbers without a comma in "${this.key}"`, this.offset + i);
        if (expect === Expect.AfterZero) throw malformedSnapshot(`a number with a leading zero in "${this.key}"`, this.offset + i);
        if (expect !== Expect.InNumber) this.skipExpect = c === 48 ? Expect.AfterZero : Expect.InNumber;
      } else if (isSpace(c)) {
        if (expect === Expect.InNumber || expect === Expect.AfterZero) this.skipExpect = Expect.CommaOrClose;
      } else if (c === COMMA) {
        if (expect !== Expect.InNumber && expect !== Expect.AfterZero && expect !== Expect.CommaOrClose) throw malformedSnapshot(`a missing value in "${this.key}"`, this.offset + i);
        this.skipExpect = Expect.Value;
      } else if (c === OPEN_BRACKET) {
        if (expect !== Expect.Value && expect !== Expect.ValueOrClose) throw malformedSnapshot(`an array without a comma before it in "${this.key}"`, this.offset + i);
        this.depth++;
        this.skipExpect = Expect.ValueOrClose;
      } else if (c === CLOSE_BRACKET) {
        if (expect === Expect.Value) throw malformedSnapshot(`a trailing comma in "${this.key}"`, this.offset + i);
        this.skipExpect = Expect.CommaOrClose;
        if (--this.depth === 0) {
          this.events.sectionEnd(this.key, this.offset + i + 1);
          this.state = State.AfterValue;
          return i + 1;
        }
      } else {
        throw malformedSnapshot(`"${this.key}" holds something other than arrays of non-negative integers`, this.offset + i);
      }
    }
    return length;
  }

  /**
   * One byte of the header, read for its extent (JSON.parse then reads it): strings and nesting are
   * followed; returns true on the byte that closes it.
   */
  private skipByte(c: number, at: number): boolean {
    if (this.inSkipString) {
      if (this.skipEscape) this.skipEscape = false;
      else if (c === BACKSLASH) this.skipEscape = true;
      else if (c === QUOTE) {
        this.inSkipString = false;
        if (this.depth === 0) return this.closeValue();
      } else if (c < 32) throw malformedSnapshot('a control character inside a string', at);
      return false;
    }
    if (c === QUOTE) {
      this.inSkipString = true;
      return false;
    }
    if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      this.depth++;
      return false;
    }
    if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      if (this.depth === 0) throw malformedSnapshot('an unbalanced bracket', at);
      this.depth--;
      return this.depth === 0 ? this.closeValue() : false;
    }
    return false;
  }

  private closeValue(): boolean {
    this.state = State.AfterValue;
    return true;
  }
}
