/**
 * The seam between operations and the process they inspect. An operation speaks the Chrome DevTools
 * Protocol through this interface and never learns whether the other end is this thread, the main
 * thread seen from a worker, or another process.
 */
export interface CdpTarget {
  /** What this connection can safely do; operations adapt to capabilities, never to the kind of target. */
  readonly capabilities: TargetCapabilities;
  /** Sends a protocol command and resolves with its result. */
  send<T = unknown>(method: string, params?: object): Promise<T>;
  /** Subscribes to a protocol event, e.g. `HeapProfiler.addHeapSnapshotChunk`; the listener gets its params. */
  on(event: string, listener: (params: any) => void): void;
  off(event: string, listener: (params: any) => void): void;
  /** The inspected process's pid (another process's, for a remote target). */
  processId(): Promise<number>;
  /** Frees the connection. */
  close(): Promise<void>;
}

export interface TargetCapabilities {
  /**
   * Progress events may be requested. False on a session in the inspected thread itself: asking V8 for
   * heap snapshot progress there crashes Node (nodejs/node#44634).
   */
  progressEvents: boolean;
  /**
   * The session runs on the inspected thread itself: a command executes synchronously inside the
   * caller's own stack and every event arrives synchronously within it, with the loop frozen throughout.
   */
  sameThread: boolean;
  /**
   * The target is this process (this thread or another of its threads) and opens paths in this file
   * system: it can write an artifact into a pipe made here.
   */
  sharedFileSystem: boolean;
}

/**
 * How the index names the kind of target, derived from what it can do: a session on the app's own
 * thread is router mode, one on another thread of the process is worker mode, anything else a sidecar.
 */
export function targetMode(capabilities: TargetCapabilities): 'router' | 'worker' | 'sidecar' {
  if (capabilities.sameThread) return 'router';
  return capabilities.sharedFileSystem ? 'worker' : 'sidecar';
}
