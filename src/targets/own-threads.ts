/**
 * Threads the endpoint starts in the inspected process for its own work (the heap snapshot's pipe reader,
 * started from the app's main thread in router mode): the `NodeWorker` domain announces them like the app's
 * workers, and the thread directory never lists or reaches them. Each is added when it starts and removed
 * when it exits.
 */
const ownThreadIds = new Set<number>();

export function addOwnThread(threadId: number): void {
  ownThreadIds.add(threadId);
}

export function removeOwnThread(threadId: number): void {
  ownThreadIds.delete(threadId);
}

export function isOwnThread(threadId: number): boolean {
  return ownThreadIds.has(threadId);
}
