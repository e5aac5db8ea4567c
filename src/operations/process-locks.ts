import { threadId } from 'node:worker_threads';

/**
 * One heavy operation of a kind per thread of the app (its main thread, 0, or a worker's threadId), whichever
 * thread serves the request: a worker-mode server and a router mounted in the app share these slots. A
 * snapshot of a worker and one of the main thread may run at once (each freezes its own isolate only); two
 * of the same thread may not.
 *
 * The slots are a small table in shared memory, every row (owner, kind + 1, thread) read and written under
 * a one-word mutex: a pair of kind and thread cannot be claimed in one atomic step. The owner and the mutex
 * hold the claiming thread's threadId + 1, so the slots of a worker that dies, and the mutex should it die
 * inside the few instructions that hold it, can be released by the thread that started it.
 */
export const LOCK_KINDS = ['heapsnapshot', 'cpuprofile', 'heapprofile', 'stack', 'gc', 'eval'] as const;
export type LockKind = (typeof LOCK_KINDS)[number];

/** Operations running at once in the whole process, over every kind and thread: far more than the rate limits let through. */
const ROWS = 64;
const ROW = 3;
const MUTEX = 0;
const OWNER = 0;
const KIND = 1;
const THREAD = 2;

const GLOBAL_KEY = Symbol.for('maintenance-endpoint.process-locks.v2');
type WithLocks = typeof globalThis & { [GLOBAL_KEY]?: Int32Array };

/** The process's lock table; a worker adopts the array its starter handed over with `adoptProcessLocks`. */
export function processLocks(): Int32Array {
  const holder = globalThis as WithLocks;
  holder[GLOBAL_KEY] ??= new Int32Array(new SharedArrayBuffer((1 + ROWS * ROW) * Int32Array.BYTES_PER_ELEMENT));
  return holder[GLOBAL_KEY];
}

export function adoptProcessLocks(locks: Int32Array): void {
  (globalThis as WithLocks)[GLOBAL_KEY] = locks;
}

/** Runs `work` holding the table's mutex: held for a scan of 64 rows, so waiting for it is a matter of microseconds. */
function withTable<T>(work: (locks: Int32Array) => T): T {
  const locks = processLocks();
  const me = threadId + 1;
  for (let spins = 0; Atomics.compareExchange(locks, MUTEX, 0, me) !== 0; spins++) {
    if (spins > 100) Atomics.wait(locks, MUTEX, Atomics.load(locks, MUTEX), 1);
  }
  try {
    return work(locks);
  } finally {
    Atomics.store(locks, MUTEX, 0);
    Atomics.notify(locks, MUTEX);
  }
}

const rowAt = (index: number) => 1 + index * ROW;

function findRow(locks: Int32Array, kind: LockKind, thread: number): number {
  const kindCode = LOCK_KINDS.indexOf(kind) + 1;
  for (let index = 0; index < ROWS; index++) {
    const row = rowAt(index);
    if (Atomics.load(locks, row + OWNER) !== 0 && Atomics.load(locks, row + KIND) === kindCode && Atomics.load(locks, row + THREAD) === thread) return row;
  }
  return -1;
}

/** Claims the slot of `kind` on `thread` (0: the app's main thread) for this thread; false when it is taken. */
export function tryAcquire(kind: LockKind, thread = 0): boolean {
  return withTable((locks) => {
    if (findRow(locks, kind, thread) !== -1) return false;
    for (let index = 0; index < ROWS; index++) {
      const row = rowAt(index);
      if (Atomics.load(locks, row + OWNER) !== 0) continue;
      Atomics.store(locks, row + KIND, LOCK_KINDS.indexOf(kind) + 1);
      Atomics.store(locks, row + THREAD, thread);
      Atomics.store(locks, row + OWNER, threadId + 1);
      return true;
    }
    return false;
  });
}

export function release(kind: LockKind, thread = 0): void {
  withTable((locks) => {
    const row = findRow(locks, kind, thread);
    if (row !== -1 && Atomics.load(locks, row + OWNER) === threadId + 1) Atomics.store(locks, row + OWNER, 0);
  });
}

/** The kinds whose slot on `thread` (by default the main thread) some thread of the process holds right now. */
export function heldKinds(thread = 0): LockKind[] {
  return withTable((locks) => LOCK_KINDS.filter((kind) => findRow(locks, kind, thread) !== -1));
}

/** Every slot held right now, with the app thread it is for. */
export function heldSlots(): Array<{ kind: LockKind; thread: number }> {
  return withTable((locks) => {
    const held: Array<{ kind: LockKind; thread: number }> = [];
    for (let index = 0; index < ROWS; index++) {
      const row = rowAt(index);
      if (Atomics.load(locks, row + OWNER) !== 0) held.push({ kind: LOCK_KINDS[Atomics.load(locks, row + KIND) - 1]!, thread: Atomics.load(locks, row + THREAD) });
    }
    return held;
  });
}

/** Frees every slot a (dead) thread still holds, and the mutex if it died holding it. */
export function releaseAllHeldBy(ownerThreadId: number): void {
  const locks = processLocks();
  Atomics.compareExchange(locks, MUTEX, ownerThreadId + 1, 0);
  withTable(() => {
    for (let index = 0; index < ROWS; index++) Atomics.compareExchange(locks, rowAt(index) + OWNER, ownerThreadId + 1, 0);
  });
}
