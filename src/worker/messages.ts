import type { MessagePort } from 'node:worker_threads';
import type { HttpWatchHandle } from '../probe/http-watch.js';
import type { CommandInfo } from '../options/command-options.js';
import type { ResolvedConfig } from '../options/resolve-options.js';
import type { ProbeHandle } from '../probe/main-thread-probe.js';
import type { ResolvedServerSecurity } from '../server/server-options.js';

/** What the starting thread hands the worker. Plain data: tokens travel as digests only. */
export interface WorkerInit {
  config: ResolvedConfig;
  host: string;
  port: number;
  basePath: string;
  locks: Int32Array;
  probe: ProbeHandle;
  dumpsDirectory: string;
  /** Set to 1 by the worker once its inspector session has let go of the main thread (see `detach`). */
  detached: Int32Array;
  security: ResolvedServerSecurity;
  /** The app's commands, and the port on which the main thread runs them. */
  commands: CommandInfo[];
  commandPort: MessagePort;
  /** The app's service name for object keys, read on the app's thread (the worker's argv names the worker). */
  service: string;
  /** The app's HTTP responses the rules count, watched on the main thread; absent when no rule needs them. */
  httpWatch: HttpWatchHandle | undefined;
}

export type WorkerToMain =
  | { type: 'listening'; port: number; address: string }
  | { type: 'startFailed'; code: string; message: string }
  | { type: 'closed' };

/** `detach`: the process is exiting; let go of the main thread's inspector now, then flag `detached`. */
export type MainToWorker = { type: 'close' } | { type: 'detach' };
