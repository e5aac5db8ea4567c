import type { Request } from 'express';

/**
 * How many times the request carried header `name` (lower case). Node joins or drops repeats in
 * req.headers (Host: first wins; Authorization: first wins), so only rawHeaders tells.
 */
export function headerCount(req: Request, name: string): number {
  let count = 0;
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) if (raw[i]!.length === name.length && raw[i]!.toLowerCase() === name) count++;
  return count;
}
