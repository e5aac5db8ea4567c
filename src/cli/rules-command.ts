import { CONNECTION_OPTIONS, JSON_OPTION } from './client-options.js';
import { defineCommand } from './command-spec.js';
import { callJson, resolveEndpoint } from './endpoint-client.js';
import { printJson } from './output.js';

interface RuleLine {
  name: string;
  when: { type: string; threshold?: number; forSeconds?: number };
  do: Array<{ kind: string }>;
  limit: { count: number; perSeconds: number };
  lastReading: number | string | null;
  lastFiredAt: string | null;
  firedInWindow: number;
  firedTotal: number;
  suppressed: number;
  nextPossibleAt: string | null;
  artifacts: Array<{ id: string; kind: string | null; status: string }>;
}

/** `rules`: the collection rules, what each watches and has done (`GET {base}/rules`). */
export const rulesCommand = defineCommand({
  name: 'rules',
  summary: 'The collection rules: what each watches, when it last fired, how often in its window, when it may fire next, and its dumps.',
  options: { ...CONNECTION_OPTIONS, ...JSON_OPTION },
  async run({ values }) {
    const { body, text } = await callJson(resolveEndpoint(values), '/rules');
    printJson(values.json === true ? text : describeRules((body as { rules: RuleLine[] }).rules));
    return 0;
  },
});

function describeRules(rules: readonly RuleLine[]): string {
  if (rules.length === 0) return 'No collection rules (the `rules` option).';
  return rules
    .map((rule) => {
      const condition = `${rule.when.type}${rule.when.threshold === undefined ? '' : ` ${rule.when.threshold}`}${rule.when.forSeconds === undefined ? '' : ` for ${rule.when.forSeconds}s`}`;
      return [
        `${rule.name}: when ${condition} (now ${rule.lastReading ?? 'not read yet'}), do ${rule.do.map((action) => action.kind).join(', ')}`,
        `  fired ${rule.firedInWindow} of ${rule.limit.count} in ${rule.limit.perSeconds}s (${rule.firedTotal} in all), last ${rule.lastFiredAt ?? 'never'}, held back ${rule.suppressed}, next ${rule.nextPossibleAt ?? 'now'}`,
        ...rule.artifacts.map((artifact) => `  ${artifact.id}  ${artifact.kind ?? '?'}  ${artifact.status}`),
      ].join('\n');
    })
    .join('\n');
}
