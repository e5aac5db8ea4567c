import { createHmac } from 'node:crypto';

/** Length of a planted secret: 32 lowercase hex digits, a shape the search below can find in any bytes. */
export const SECRET_LENGTH = 32;

/**
 * The `count` distinct secrets a seed stands for: the test and the app it plants them in each compute
 * them, so none of them crosses the IPC channel. Secret `i` is an HMAC of `i` under the seed.
 */
export function secretList(seed: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => createHmac('sha256', seed).update(String(i)).digest('hex').slice(0, SECRET_LENGTH));
}

/**
 * The secrets of `secrets` that occur anywhere in `bytes`, as a substring of anything: every run of hex
 * digits at least a secret long is looked up window by window.
 */
export function secretsIn(bytes: Buffer, secrets: readonly string[]): string[] {
  const wanted = new Set(secrets);
  const found = new Set<string>();
  const isHex = (c: number) => (c >= 48 && c <= 57) || (c >= 97 && c <= 102);
  let runStart = -1;
  for (let i = 0; i <= bytes.length; i++) {
    if (i < bytes.length && isHex(bytes[i]!)) {
      if (runStart === -1) runStart = i;
      continue;
    }
    if (runStart !== -1 && i - runStart >= SECRET_LENGTH) {
      for (let at = runStart; at + SECRET_LENGTH <= i; at++) {
        const window = bytes.toString('latin1', at, at + SECRET_LENGTH);
        if (wanted.has(window)) found.add(window);
      }
    }
    runStart = -1;
  }
  return [...found];
}
