import { startFixture } from '../../test/helpers/fixture.js';
import { request } from '../../test/helpers/http.js';
import { mebibytes as mib } from './units.js';

export interface CensusPoint {
  objects: number;
  heapUsed: number;
  /** One full GC (POST /gc), the baseline, and each count of `types=count`, in ms. */
  fullGcMs: number[];
  countMs: number[];
  /** The heap after a full GC before the counts and after them: what the counts left behind. */
  heapBefore: number;
  heapAfter: number;
}

/**
 * What a count by constructor (`/memory/leaks?types=count`) costs the app, against its baseline in
 * the same process and run: one full GC of the same heap. The heap is the fixture's small objects.
 */
export async function runObjectCensusBench(sizes: number[], log: (line: string) => void): Promise<CensusPoint[]> {
  const points: CensusPoint[] = [];
  for (const objects of sizes) {
    const app = await startFixture({ mode: 'worker', nodeArgs: ['--max-old-space-size=4096'] });
    try {
      await app.command({ cmd: 'grow-objects', count: objects }, 'grown');
      const gc = async () => (await request(`${app.url}/gc`, { method: 'POST', token: app.tokens.admin })).json() as { after: { usedSize: number }; durationMs: number };
      const fullGcMs: number[] = [];
      const countMs: number[] = [];
      let heapBefore = 0;
      for (let round = 0; round < 2; round++) {
        const baseline = await gc();
        fullGcMs.push(baseline.durationMs);
        if (round === 0) heapBefore = baseline.after.usedSize;
        const reply = await request(`${app.url}/memory/leaks?seconds=1&types=count`, { token: app.tokens.admin });
        if (reply.status !== 200) throw new Error(`types=count answered ${reply.status}: ${reply.body.toString()}`);
        countMs.push(...(reply.json().where.typeCounts.pauseMs as number[]));
      }
      const heapAfter = (await gc()).after.usedSize;
      const point = { objects, heapUsed: heapBefore, fullGcMs, countMs, heapBefore, heapAfter };
      points.push(point);
      log(`  ${objects.toLocaleString('en')} objects, ${mib(heapBefore)}: full GC ${fullGcMs.join(', ')} ms; counts ${countMs.join(', ')} ms; heap after GC ${mib(heapBefore)} -> ${mib(heapAfter)}`);
    } finally {
      await app.stop();
    }
  }
  return points;
}

export function objectCensusTable(points: CensusPoint[]): string {
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  const rows = ['| objects | heap used | full GC (median) | one count (median) | count / full GC | heap left after (after a GC) |', '| ---: | ---: | ---: | ---: | ---: | ---: |'];
  for (const point of points) {
    const gc = median(point.fullGcMs);
    const count = median(point.countMs);
    rows.push(`| ${point.objects.toLocaleString('en')} | ${mib(point.heapUsed)} | ${gc.toFixed(0)} ms | ${count.toFixed(0)} ms | ${(count / gc).toFixed(1)}x | ${((point.heapAfter - point.heapBefore) / 1024).toFixed(0)} KiB |`);
  }
  return rows.join('\n');
}
