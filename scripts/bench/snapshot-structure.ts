/**
 * Checks that a heap snapshot received in chunks is one whole JSON document, without ever holding it:
 * the brackets balance and match, every string ends, nothing follows the closing brace, and the
 * `nodes` and `edges` arrays hold exactly as many numbers as the `snapshot` header announces
 * (node_count x node_fields, edge_count x edge_fields). A snapshot cut short, or with a piece missing or
 * repeated, fails one of these.
 *
 * It is a scanner, not a parser: numbers are counted, not read, and the hot loops run on local
 * variables, so it keeps up with a download of hundreds of megabytes.
 */
export interface SnapshotStructure {
  /** The top-level keys, in order. */
  keys: string[];
  nodeCount: number;
  edgeCount: number;
  /** Elements of each top-level array (nodes, edges, strings...). */
  arrayLengths: Record<string, number>;
}

interface SnapshotHeader {
  node_count: number;
  edge_count: number;
  meta: { node_fields: string[]; edge_fields: string[] };
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;
const NEWLINE = 0x0a;
const MAX_DEPTH = 64;

function isWhitespace(byte: number): boolean {
  return byte === 0x20 || byte === NEWLINE || byte === 0x0d || byte === 0x09;
}

function isDigit(byte: number): boolean {
  return byte >= 0x30 && byte <= 0x39;
}

export class HeapSnapshotChecker {
  /** The scanner's state between chunks; write() works on local copies (its loops are hot). */
  #state = {
    depth: 0,
    inString: false,
    escaped: false,
    ended: false,
    /** At depth 1, the next string is a key (after `{` or `,`) rather than a value. */
    expectKey: false,
    readingKey: false,
    /** Inside the value of the current top-level key (depth 2): commas seen and whether it has an element. */
    commas: 0,
    hasElement: false,
    capturingHeader: false,
  };
  readonly #closers = new Uint8Array(MAX_DEPTH);
  #keyBytes: number[] = [];
  #key = '';
  readonly #keys: string[] = [];
  readonly #arrayLengths: Record<string, number> = {};
  #headerChunks: Buffer[] = [];
  #header: SnapshotHeader | undefined;
  #problem: string | undefined;
  #offset = 0;

  write(chunk: Buffer): void {
    if (this.#problem !== undefined) return;
    let { depth, inString, escaped, ended, expectKey, readingKey, commas, hasElement, capturingHeader } = this.#state;
    const closers = this.#closers;
    let headerFrom = capturingHeader ? 0 : -1;
    const length = chunk.length;
    let i = 0;
    const fail = (what: string) => {
      this.#problem = `${what} at byte ${this.#offset + i}`;
    };

    for (; i < length; i++) {
      let byte = chunk[i]!;
      if (inString) {
        if (escaped) {
          escaped = false;
          if (readingKey) this.#keyBytes.push(byte);
          continue;
        }
        // The body of a string, up to its closing quote or an escape.
        while (byte !== QUOTE && byte !== BACKSLASH) {
          if (readingKey) this.#keyBytes.push(byte);
          if (++i === length) break;
          byte = chunk[i]!;
        }
        if (i === length) break;
        if (byte === BACKSLASH) {
          escaped = true;
        } else {
          inString = false;
          if (readingKey) {
            readingKey = false;
            this.#key = Buffer.from(this.#keyBytes).toString('utf8');
            this.#keys.push(this.#key);
          }
        }
        continue;
      }
      if (depth === 2 && closers[1] === CLOSE_ARRAY) {
        // The bulk of a snapshot: top-level arrays of integers (nodes, edges), one node or edge a line.
        while (isDigit(byte) || byte === COMMA || byte === NEWLINE) {
          if (byte === COMMA) commas++;
          else if (byte !== NEWLINE) hasElement = true;
          if (++i === length) break;
          byte = chunk[i]!;
        }
        if (i === length) break;
      }
      if (isWhitespace(byte)) continue;
      if (ended) return fail('data after the end of the document');
      if (depth === 2 && byte !== COMMA && byte !== CLOSE_ARRAY && byte !== CLOSE_OBJECT) hasElement = true;
      switch (byte) {
        case QUOTE:
          inString = true;
          if (depth === 1 && expectKey) {
            readingKey = true;
            this.#keyBytes = [];
          }
          break;
        case OPEN_OBJECT:
        case OPEN_ARRAY:
          if (depth === MAX_DEPTH) return fail('nesting too deep');
          if (depth === 0 && byte !== OPEN_OBJECT) return fail('not a JSON object');
          closers[depth++] = byte === OPEN_OBJECT ? CLOSE_OBJECT : CLOSE_ARRAY;
          if (depth === 1) expectKey = true;
          if (depth === 2) {
            commas = 0;
            hasElement = false;
            if (this.#key === 'snapshot') {
              capturingHeader = true;
              headerFrom = i;
            }
          }
          break;
        case CLOSE_OBJECT:
        case CLOSE_ARRAY:
          if (depth === 0 || closers[depth - 1] !== byte) return fail(`unexpected ${String.fromCharCode(byte)}`);
          depth--;
          if (depth === 1) {
            if (byte === CLOSE_ARRAY) this.#arrayLengths[this.#key] = hasElement ? commas + 1 : 0;
            if (capturingHeader) {
              capturingHeader = false;
              this.#headerChunks.push(Buffer.from(chunk.subarray(headerFrom, i + 1)));
              this.#readHeader();
            }
          }
          if (depth === 0) ended = true;
          break;
        case COMMA:
          if (depth === 2) commas++;
          if (depth === 1) expectKey = true;
          break;
        case COLON:
          if (depth === 1) expectKey = false;
          break;
        default:
          if (depth === 0) return fail('not a JSON object');
      }
    }
    if (capturingHeader) this.#headerChunks.push(Buffer.from(chunk.subarray(headerFrom)));
    this.#offset += length;
    this.#state = { depth, inString, escaped, ended, expectKey, readingKey, commas, hasElement, capturingHeader };
  }

  /** The structure of a whole snapshot; throws with the first thing found wrong. */
  finish(): SnapshotStructure {
    if (this.#problem !== undefined) throw new Error(`not a whole heap snapshot: ${this.#problem}`);
    if (!this.#state.ended) throw new Error(`not a whole heap snapshot: it stops at depth ${this.#state.depth} after ${this.#offset} bytes`);
    const header = this.#header;
    if (header === undefined) throw new Error('not a heap snapshot: no "snapshot" header');
    const expected = {
      nodes: header.node_count * header.meta.node_fields.length,
      edges: header.edge_count * header.meta.edge_fields.length,
    };
    for (const [key, values] of Object.entries(expected)) {
      if (this.#arrayLengths[key] !== values) {
        throw new Error(`not a whole heap snapshot: "${key}" has ${this.#arrayLengths[key] ?? 'no'} values where the header announces ${values}`);
      }
    }
    return { keys: [...this.#keys], nodeCount: header.node_count, edgeCount: header.edge_count, arrayLengths: { ...this.#arrayLengths } };
  }

  #readHeader(): void {
    try {
      this.#header = JSON.parse(Buffer.concat(this.#headerChunks).toString('utf8')) as SnapshotHeader;
    } catch (error) {
      this.#problem = `unreadable "snapshot" header: ${(error as Error).message}`;
    }
    this.#headerChunks = [];
  }
}
