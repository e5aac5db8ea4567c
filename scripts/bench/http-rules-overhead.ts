import { load, makeTempDir, removeTempDir, startChild, stop } from './processes.js';

/** Its section of docs/benchmarks.md, which a full rewrite of the page keeps. */
export const HTTP_RULES_HEADING = 'Collection rules on HTTP responses';

export interface HttpRulesFigures {
  seconds: number;
  rounds: number;
  withoutRps: number[];
  withRps: number[];
}

const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;

/**
 * What collection rules on the app's HTTP responses cost each request: throughput of a route that does
 * next to nothing, in an app with the endpoint and no rules against the same app with two HTTP rules
 * (that never fire), as fresh processes, interleaved in rounds so drift hits both alike.
 */
export async function runHttpRulesBench(seconds: number, rounds: number, log: (line: string) => void): Promise<HttpRulesFigures> {
  const figures: HttpRulesFigures = { seconds, rounds, withoutRps: [], withRps: [] };
  for (let round = 1; round <= rounds; round++) {
    for (const [mode, into] of [['endpoint', figures.withoutRps], ['endpoint-http-rules', figures.withRps]] as const) {
      const dir = makeTempDir();
      const app = await startChild<{ app: string }>('cpu-bound-app.js', [mode], { env: { TMPDIR: dir } });
      try {
        await load(`${app.info.app}/hello`, 2); // warm-up: JIT and connection pools
        into.push((await load(`${app.info.app}/hello`, seconds)).rps);
      } finally {
        await stop(app.child);
        removeTempDir(dir);
      }
    }
    log(`  round ${round}: no rules ${figures.withoutRps.at(-1)!.toFixed(0)} req/s, HTTP rules ${figures.withRps.at(-1)!.toFixed(0)}`);
  }
  return figures;
}

export function httpRulesSection(figures: HttpRulesFigures): string {
  const without = mean(figures.withoutRps);
  const withRules = mean(figures.withRps);
  return [
    `Load: autocannon in a second process, 8 connections, ${figures.seconds} s per phase, ${figures.rounds} interleaved rounds, fresh processes, on a route that only answers \`hello\` (the worst case for a cost paid by every request).`,
    '',
    '| app with startMaintenanceServer() | requests/s | ratio |',
    '| --- | --- | --- |',
    `| no rules (baseline) | ${without.toFixed(0)} | 1.00 |`,
    `| two HTTP rules (httpSlowerThanMs, httpStatus), never firing | ${withRules.toFixed(0)} | ${(withRules / without).toFixed(3)} |`,
    '',
    `Round by round: ${figures.withoutRps.map((rps, index) => `${rps.toFixed(0)} / ${figures.withRps[index]!.toFixed(0)}`).join(', ')}.`,
  ].join('\n');
}
