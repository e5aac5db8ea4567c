import { SnapshotRedactor, type RedactionSummary } from './redact-heap-snapshot.js';

export interface RedactingWriter {
  /** Takes the next chunk of V8's output; never throws (engines call it from event callbacks). */
  write(chunk: string | Buffer): void;
  /**
   * The input ended: resolves the counts, or throws the first failure (a malformed or truncated
   * snapshot), so the consumer cuts its output off rather than end it as if whole.
   */
  finish(): RedactionSummary;
}

/**
 * The redactor in front of a sink that producers push chunks into: each chunk's redacted bytes go to
 * `pass` at once. After a failure nothing more is passed on; `finish` throws it.
 */
export function redactingWriter(pass: (piece: Buffer) => void): RedactingWriter {
  const redactor = new SnapshotRedactor();
  let failure: unknown;
  return {
    write(chunk) {
      if (failure !== undefined) return;
      try {
        const pieces = redactor.write(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk);
        // One write per chunk, as without redaction: a sink counts writes against its backlog bound.
        if (pieces.length === 1) pass(pieces[0]!);
        else if (pieces.length > 1) pass(Buffer.concat(pieces));
      } catch (error) {
        failure = error;
      }
    },
    finish() {
      if (failure !== undefined) throw failure;
      redactor.end();
      return redactor.summary;
    },
  };
}
