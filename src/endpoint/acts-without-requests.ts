import type { ResolvedConfig } from '../options/resolve-options.js';

/**
 * Whether the endpoint has work to do before anybody calls, so that it must be built at start rather than
 * on the first request: rules and the recorder act on their own, a persistent store adopts the
 * near-heap-limit snapshots Node writes into it, and egress sweeps the uploads a killed process left open.
 * It imports nothing at run time, so that an entry loaded with the package can ask.
 */
export function actsWithoutRequests(config: ResolvedConfig): boolean {
  return config.rules.length > 0 || config.recorder !== undefined || config.dumps.storeDir !== undefined || Object.keys(config.egress).length > 0;
}
