import { threadId } from 'node:worker_threads';

/**
 * One heavy operation of a kind per process, whichever thread serves the request: a worker-mode server
 * and a router mounted in the app share these slots. Each slot holds 0 (free) or the owner's
 * threadId + 1, so the slots of a worker that dies can be released by the thread that started it.
 */
export const LOCK_KINDS = ['heapsnapshot', 'cpuprofile', 'heapprofile', 'stack', 'gc', 'eval'] as const;
export type LockKind = (typeof LOCK_KINDS)[number];

const GLOBAL_KEY = Symbol.for('maintenance-endpoint.process-locks');
type WithLocks = typeof globalThis & { [GLOBAL_KEY]?: Int32Array };

/** The process's lock slots; a worker adopts the array its starter handed over with `adoptProcessLocks`. */
export function processLocks(): Int32Array {
  const holder = globalThis as WithLocks;
  holder[GLOBAL_KEY] ??= new Int32Array(new SharedArrayBuffer(LOCK_KINDS.length * Int32Array.BYTES_PER_ELEMENT));
  return holder[GLOBAL_KEY];
}

export function adoptProcessLocks(locks: Int32Array): void {
  (globalThis as WithLocks)[GLOBAL_KEY] = locks;
}

export function tryAcquire(kind: LockKind): boolean {
  return Atomics.compareExchange(processLocks(), LOCK_KINDS.indexOf(kind), 0, threadId + 1) === 0;
}

export function release(kind: LockKind): void {
  Atomics.compareExchange(processLocks(), LOCK_KINDS.indexOf(kind), threadId + 1, 0);
}

/** The kinds whose slot some thread of the process holds right now. */
export function heldKinds(): LockKind[] {
  const locks = processLocks();
  return LOCK_KINDS.filter((_kind, index) => Atomics.load(locks, index) !== 0);
}

/** Frees every slot a (dead) thread still holds. */
export function releaseAllHeldBy(ownerThreadId: number): void {
  const locks = processLocks();
  for (let i = 0; i < locks.length; i++) Atomics.compareExchange(locks, i, ownerThreadId + 1, 0);
}
