import type { SpillFileHandle } from './spill-file.js';

/** What the pipe reader thread is started with. */
export interface PipeReaderInit {
  /** The named pipe to drain. */
  path: string;
  /** Bytes posted to the parent before the rest goes to a spill file. */
  memoryLimitBytes: number;
  tmpdir: string | undefined;
}

export type PipeReaderMessage =
  /** The pipe is open for reading: the writer may start. */
  | { type: 'ready' }
  | { type: 'chunk'; data: Uint8Array }
  /** The writer closed the pipe. What did not fit in memory is in `spill`, now the parent's to read and close. */
  | { type: 'end'; spill: SpillFileHandle | undefined }
  | { type: 'error'; message: string };
