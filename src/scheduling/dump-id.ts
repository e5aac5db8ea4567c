import { MaintenanceError } from '../errors.js';
import type { ParamSpec } from '../params/param-spec.js';
import { randomBytes } from 'node:crypto';

/**
 * A new dump id: 128 random bits, base64url, 22 characters. Never starting with `-`, so the id pasted
 * after a command (`maintenance-endpoint dumps get <id>`, `rm`, `curl -o`) is never read as an option:
 * a leading `-` came up on one id in 64.
 */
export function newDumpId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

/** What newDumpId makes (and what a store read back holds): 22 base64url characters. */
const DUMP_ID = /^[A-Za-z0-9_-]{22}$/;

export const isDumpId = (text: string): boolean => DUMP_ID.test(text);

/** A dump's id in a path (`/dumps/:id`): anything else is refused before the store is asked. */
export const dumpIdParam: ParamSpec<string> = {
  describe: "a dump's id: 22 base64url characters",
  meaning: 'the id GET /dumps lists, or the Location a scheduled request answered with',
  parse: (text) => (isDumpId(text) ? text : undefined),
};

/**
 * A store path asked for an id that is not one. Requests are refused before (the path parameter), so
 * this is a bug of ours: it must never become a path, and it answers as the catalogue's internal error.
 */
export const notADumpFile = (): MaintenanceError => new MaintenanceError('INTERNAL_ERROR', 'A dump file was asked for by an id that is not a dump id.');
