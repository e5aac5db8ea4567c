/** Express's compiled `trust proxy fn`: is the hop at `index` with this address a proxy to believe? */
export type TrustFunction = (address: string, index: number) => boolean;

/** Addresses no real proxy list names: documentation ranges and a public resolver, v4 and v6. */
const STRANGERS = ['203.0.113.77', '198.51.100.23', '192.0.2.200', '8.8.4.4', '2001:db8::7', '2001:4860:4860::8844'];
const DEEP_HOPS = [0, 1, 2, 7, 31];

/**
 * True when `trust` believes every hop: any client can then choose its own `req.ip` with
 * X-Forwarded-For, and per-client limits mean nothing. A hop count believes only the nearest hops and
 * an address list only its addresses; `true` (or a function returning true) believes strangers at
 * any depth, which is what this asks.
 */
export function trustsEveryProxy(trust: unknown): boolean {
  if (trust === true) return true;
  if (typeof trust !== 'function') return false;
  try {
    return STRANGERS.every((address) => DEEP_HOPS.every((index) => (trust as TrustFunction)(address, index) === true));
  } catch {
    return false;
  }
}
