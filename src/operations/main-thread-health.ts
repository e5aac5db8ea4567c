import type { ProbeReader } from '../probe/probe-reader.js';
import type { OperationRegistry } from './operation-registry.js';
import { heldKinds, type LockKind } from './process-locks.js';

/** Operations during which the main thread does not turn because we asked: V8 writing a snapshot, a full GC, an evaluation. */
const PAUSING: readonly LockKind[] = ['heapsnapshot', 'gc', 'eval'];

export interface MainThreadHealth {
  /** The main thread ran its probe within the allowed time. */
  turning: boolean;
  /** One of our own operations holds the main thread right now. */
  pausedByEndpoint: boolean;
  /** Seconds since the main thread last ran its probe. */
  silentSeconds: number;
}

/**
 * Tells "paused for one of our own operations" from "hung", for health probes. The probe's figures
 * age while the main thread does not turn; a pausing operation's slot (held by any thread of the
 * process) says why. A snapshot whose V8 work is done and whose backlog only drains to a slow client
 * (phase `flushing`) no longer pauses anything.
 */
export function mainThreadHealth(reader: ProbeReader, operations: OperationRegistry, unresponsiveAfterSeconds: number): MainThreadHealth {
  const silentSeconds = Math.max(0, (Date.now() - reader.figures().updatedAt) / 1000);
  // A worker's snapshot or GC holds that worker, not the main thread.
  const flushing = new Set(operations.list().filter((operation) => operation.thread === 0 && operation.progress.phase === 'flushing').map((operation) => operation.kind));
  const pausedByEndpoint = heldKinds(0).some((kind) => PAUSING.includes(kind) && !flushing.has(kind));
  return { turning: silentSeconds < unresponsiveAfterSeconds, pausedByEndpoint, silentSeconds };
}
