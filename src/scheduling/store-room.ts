import { MaintenanceError } from '../errors.js';
import type { DumpStore } from './dump-store.js';

/** Refuses an artifact the store has no room for: `needed` bytes past its reserve. Unknown needs (NaN) pass. */
export function assertRoomFor(store: DumpStore, needed: number, what: string): void {
  if (Number.isNaN(needed)) return;
  const usable = store.usableBytes();
  if (usable < needed) {
    throw new MaintenanceError('INSUFFICIENT_STORAGE', `The dump store has ${formatMiB(Math.max(0, usable))} usable (after its reserve) but ${what} may need ${formatMiB(needed)}.`);
  }
}

export function formatMiB(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(0)} MiB`;
}
