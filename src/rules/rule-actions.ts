import { ConfigError, MaintenanceError } from '../errors.js';
import { ARTIFACTS } from '../operations/artifacts/all-artifacts.js';
import type { ArtifactLimits } from '../operations/artifacts/artifact-kind.js';
import type { S3Destination } from '../options/egress-options.js';
import type { ResolvedRule } from '../options/rules-options.js';
import { parseParams } from '../params/param-spec.js';
import { assertWatchable, type WatchingPlace } from './rule-conditions.js';
import type { ArtifactRequest } from '../scheduling/dump-job.js';

/**
 * Each rule's actions as the scheduler's requests, their parameters read by the artifact kinds' own
 * declarations (the ones a request's query is read by), strictly: a mistake refuses the start and
 * names the option's path.
 */
export function ruleRequests(rules: readonly ResolvedRule[], limits: ArtifactLimits, destinations: Readonly<Record<string, S3Destination>> = {}): Map<string, ArtifactRequest[]> {
  return new Map(
    rules.map((rule, ruleIndex) => [
      rule.name,
      rule.do.map((action, actionIndex) => {
        const path = `rules[${ruleIndex}].do[${actionIndex}]`;
        const { egress, ...params } = action.params;
        const raw = new Map(Object.entries(params).map(([name, value]) => [name, [String(value)]]));
        const destination = egress === undefined ? undefined : Object.hasOwn(destinations, String(egress)) ? destinations[String(egress)] : undefined;
        if (egress !== undefined && destination === undefined) {
          const known = Object.keys(destinations);
          throw new ConfigError('INVALID_OPTIONS', `\`${path}.${action.kind}.egress\` names no destination of the \`egress\` option (${known.length > 0 ? `known: ${known.join(', ')}` : 'none is configured'}).`);
        }
        try {
          return { kind: action.kind, params: parseParams(raw, ARTIFACTS[action.kind].parameters(limits), 'Parameter'), ...(destination !== undefined && { egress: destination }) };
        } catch (error) {
          if (!(error instanceof MaintenanceError)) throw error;
          throw new ConfigError('INVALID_OPTIONS', `\`${path}.${action.kind}\`: ${error.message}`);
        }
      }),
    ]),
  );
}

/**
 * Everything about the rules that can be checked before the endpoint starts, where it will run: the
 * conditions can be watched there and the actions' parameters are right. Throws a ConfigError naming
 * the option's path; returns the actions as requests.
 */
export function checkRules(rules: readonly ResolvedRule[], place: WatchingPlace, limits: ArtifactLimits, destinations: Readonly<Record<string, S3Destination>>): Map<string, ArtifactRequest[]> {
  assertWatchable(rules, place);
  if (!place.offMainThread) {
    rules.forEach((rule, index) => {
      const at = rule.do.findIndex((action) => action.kind === 'stack');
      if (at >= 0) {
        throw new ConfigError(
          'INVALID_OPTIONS',
          `\`rules[${index}].do[${at}]\`: a stack is taken from off the app's main thread (startMaintenanceServer); in router mode the rules run on that thread, so the stack would only ever be the rule's own.`,
        );
      }
    });
  }
  return ruleRequests(rules, limits, destinations);
}
