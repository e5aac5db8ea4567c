import { Transform, type TransformCallback } from 'node:stream';
import { malformedSnapshot } from '../heapsnapshot/snapshot-error.js';
import { readLayout } from '../heapsnapshot/snapshot-meta.js';
import { readWeakMapEdgeName } from '../heapsnapshot/weakmap-edge-name.js';
import { SnapshotTokenizer, type SnapshotEvents } from '../heapsnapshot/snapshot-tokenizer.js';
import { ChunkOutput } from './chunk-output.js';
import { RedactionMarks } from './redaction-marks.js';
import { StringLabels } from './redacted-string.js';

const QUOTE = 34;
const EMPTY_CHUNK = Buffer.alloc(0);

/** What a redacting stream did, for the audit line and the dump record. */
export interface RedactionSummary {
  strings: number;
  redacted: number;
  /** The marks' memory at the end, in bytes. */
  markBytes: number;
}

/**
 * The redaction between V8's bytes and any consumer: it rewrites, as they pass, the entries of
 * `strings` a program holds as data (see `RedactionMarks.mustRedact`), each into a keyed label and its
 * length. Every other byte passes as V8 wrote it: the header, `nodes` and `edges` (so counts, ids and
 * sizes stay exact), the other sections, and the strings that are names from code.
 *
 * V8 writes `nodes` and `edges` before `strings`, which is what lets one pass decide: a document with
 * `strings` first, or any byte that cannot belong to a snapshot, or an input that ends before the
 * document does, makes the stream fail, so a consumer never gets a half-redacted file that looks whole.
 * Bytes are passed on chunk by chunk; a string that spans chunks is held (by the tokenizer) until it ends.
 * Synchronous, for producers that push chunks from callbacks; `RedactHeapSnapshot` is it as a stream.
 */
export class SnapshotRedactor {
  private readonly tokenizer: SnapshotTokenizer;
  private readonly labels = new StringLabels();
  private marks: RedactionMarks | undefined;
  private section = '';
  private seen = new Set<string>();
  private stringIndex = 0;
  private redacted = 0;
  /** Absolute offset up to which output has been pushed (or replaced). */
  private cursor = 0;
  /** Absolute offset where the current chunk begins. */
  private chunkOffset = 0;
  private chunk: Buffer = EMPTY_CHUNK;
  /** End of the last string of `strings`, where the search for the next opening quote starts. */
  private afterLastString = 0;
  private readonly out = new ChunkOutput();
  /** A string of `strings` was open at the end of a chunk: its bytes from the opening quote are not passed yet. */
  private heldQuote = false;

  constructor() {
    const events: SnapshotEvents = {
      header: (value, end) => {
        this.marks = new RedactionMarks(readLayout(value, end));
      },
      sectionStart: (name, offset) => {
        this.section = name;
        if (name === 'strings') {
          if (!this.seen.has('nodes') || !this.seen.has('edges')) throw malformedSnapshot('"strings" comes before "nodes" and "edges", so it cannot be redacted as it streams', offset);
          this.marks!.checkComplete(offset);
          this.afterLastString = offset + 1;
        }
      },
      numbers: (values, count) => {
        if (this.section === 'nodes') this.marks!.nodeNumbers(values, count);
        else if (this.section === 'edges') {
          if (!this.seen.has('nodes')) throw malformedSnapshot('"edges" comes before "nodes"', this.chunkOffset);
          this.marks!.edgeNumbers(values, count);
        }
      },
      string: (bytes, from, to, escaped, start, end, ascii) => this.string(bytes, from, to, escaped, start, end, ascii),
      sectionEnd: (name) => {
        this.seen.add(name);
        this.section = '';
      },
    };
    this.tokenizer = new SnapshotTokenizer(events);
  }

  /** Counts so far; whole once the stream has ended. */
  get summary(): RedactionSummary {
    return { strings: this.stringIndex, redacted: this.redacted, markBytes: this.marks?.byteLength ?? 0 };
  }

  private string(bytes: Uint8Array, from: number, to: number, escaped: boolean, start: number, end: number, ascii: boolean): void {
    const index = this.stringIndex++;
    this.afterLastString = end;
    if (this.marks!.namesWeakMapValue(index, bytes, from, to)) {
      this.redacted++;
      this.passUpTo(start);
      writeWithoutWeakMapValue(bytes, from, to, this.out);
      this.cursor = end;
    } else if (this.marks!.mustRedact(index, bytes, from, to)) {
      this.redacted++;
      this.passUpTo(start);
      this.labels.writeReplacement(index, bytes, from, to, escaped, ascii, this.out);
      this.cursor = end;
    } else if (this.heldQuote) {
      // Its opening quote was held back with an earlier chunk: the tokenizer has the whole string.
      this.out.byte(QUOTE);
      this.out.copy(bytes, from, to);
      this.out.byte(QUOTE);
      this.cursor = end;
    }
    // A kept string within this chunk passes with the chunk's bytes.
    this.heldQuote = false;
  }

  /** Pushes the current chunk's bytes from the cursor up to absolute offset `to`. */
  private passUpTo(to: number): void {
    if (to <= this.cursor) return;
    this.out.pass(this.chunk, this.cursor - this.chunkOffset, to - this.chunkOffset);
    this.cursor = to;
  }

  /**
   * Reads one chunk and returns the bytes to pass on for it, in order (views of the chunk and
   * replacements); throws SNAPSHOT_MALFORMED at the first byte that cannot belong to a snapshot.
   */
  write(chunk: Buffer): Buffer[] {
    this.chunk = chunk;
    this.chunkOffset = this.tokenizer.bytesRead;
    this.out.begin(chunk.length);
    this.tokenizer.write(chunk);
    const chunkEnd = this.chunkOffset + chunk.length;
    if (this.section === 'strings') {
      // Inside `strings`, the bytes after the last string are separators and perhaps the start of the
      // next string: hold back from its opening quote on, since it may need replacing. (The quote is
      // the first one after the last string: between strings there is only white space and commas.)
      if (!this.heldQuote) {
        const quote = chunk.indexOf(QUOTE, Math.max(this.afterLastString - this.chunkOffset, 0));
        if (quote === -1) this.passUpTo(chunkEnd);
        else {
          this.passUpTo(this.chunkOffset + quote);
          this.heldQuote = true;
        }
      }
    } else {
      this.passUpTo(chunkEnd);
    }
    this.chunk = EMPTY_CHUNK;
    return this.out.finish();
  }

  /** The input ended: throws SNAPSHOT_MALFORMED unless it was one whole document. */
  end(): void {
    this.tokenizer.end();
  }
}

/** The redactor as a Node stream: a truncated or malformed input makes it fail rather than end. */
export class RedactHeapSnapshot extends Transform {
  private readonly redactor = new SnapshotRedactor();

  get summary(): RedactionSummary {
    return this.redactor.summary;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    let out: Buffer[];
    try {
      out = this.redactor.write(chunk);
    } catch (error) {
      callback(error as Error);
      return;
    }
    for (const piece of out) this.push(piece);
    callback();
  }

  override _flush(callback: TransformCallback): void {
    try {
      this.redactor.end();
    } catch (error) {
      callback(error as Error);
      return;
    }
    callback();
  }
}

/** A redacting transform for one snapshot, with a key of its own. */
export function redactHeapSnapshot(): RedactHeapSnapshot {
  return new RedactHeapSnapshot();
}

const REDACTED_VALUE = Buffer.from('<redacted>', 'latin1');

/** A WeakMap table's edge name, quoted, with the value's name in it replaced: the table's part stays for the analysis. */
function writeWithoutWeakMapValue(bytes: Uint8Array, from: number, to: number, out: ChunkOutput): void {
  const { valueFrom, valueTo } = readWeakMapEdgeName(bytes, from, to)!;
  out.byte(QUOTE);
  out.copy(bytes, from, valueFrom);
  out.copy(REDACTED_VALUE, 0, REDACTED_VALUE.length);
  out.copy(bytes, valueTo, to);
  out.byte(QUOTE);
}
