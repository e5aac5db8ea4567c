import { MaintenanceError } from '../errors.js';

/** A snapshot that cannot be read, with the byte offset where reading stopped (the catalogue's SNAPSHOT_MALFORMED). */
export function malformedSnapshot(what: string, offset: number): MaintenanceError {
  return new MaintenanceError('SNAPSHOT_MALFORMED', `Not a readable heap snapshot at byte ${offset}: ${what}.`, { details: { offset } });
}
