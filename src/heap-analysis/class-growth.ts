import type { ClassSummary } from './class-summary.js';

export interface ClassGrowth {
  name: string;
  countDelta: number;
  /** Change of the class's self size, in bytes. */
  sizeDelta: number;
  count: number;
  selfSize: number;
}

/**
 * Growth by constructor between two snapshots: classes whose count or self size grew, largest growth
 * first; a class that did not grow is not listed. By constructor only: objects are not matched across
 * the snapshots (their ids are not kept between them), so an object freed and another allocated in its
 * place cancel out.
 */
export function classGrowth(before: readonly ClassSummary[], after: readonly ClassSummary[]): ClassGrowth[] {
  const earlier = new Map(before.map((summary) => [summary.name, summary]));
  const growth: ClassGrowth[] = [];
  for (const now of after) {
    const then = earlier.get(now.name);
    const countDelta = now.count - (then?.count ?? 0);
    const sizeDelta = now.selfSize - (then?.selfSize ?? 0);
    if (countDelta > 0 || sizeDelta > 0) growth.push({ name: now.name, countDelta, sizeDelta, count: now.count, selfSize: now.selfSize });
  }
  return growth.sort((a, b) => b.sizeDelta - a.sizeDelta || b.countDelta - a.countDelta || (a.name < b.name ? -1 : 1));
}
