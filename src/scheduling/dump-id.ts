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
