import { createRequire } from 'node:module';
import type { ResolvedConfig } from '../options/resolve-options.js';
import type * as RuleActions from './rule-actions.js';
import type { WatchingPlace } from './rule-conditions.js';

/**
 * Checks the configured rules where an entry starts, so that a mistake throws a ConfigError from that call,
 * before anything runs (see rule-actions.ts checkRules). The check reads the artifact table (about 20
 * modules), which an app without rules never needs in its thread: it is loaded only when there are rules,
 * synchronously (require() of our own ES module), so the throw still comes from this call.
 */
export function checkConfiguredRules(config: ResolvedConfig, place: WatchingPlace): void {
  if (config.rules.length === 0) return;
  const { checkRules } = createRequire(import.meta.url)('./rule-actions.js') as typeof RuleActions;
  checkRules(config.rules, place, { maxProfileSeconds: config.maxProfileSeconds, memoryLimit: config.memoryLimit }, config.egress);
}
