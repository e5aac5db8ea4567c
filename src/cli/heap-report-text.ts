import type { HeapReport } from '../heap-analysis/analyze-heap.js';
import type { ClassGrowth } from '../heap-analysis/class-growth.js';
import type { Survivors } from '../heap-analysis/object-survivors.js';
import { formatBytes } from './progress-bar.js';

const count = (n: number): string => n.toLocaleString('en-US');
const signed = (n: number, format: (n: number) => string): string => (n > 0 ? `+${format(n)}` : n < 0 ? `-${format(-n)}` : '0');
const percent = (share: number): string => `${(share * 100).toFixed(share < 0.1 ? 1 : 0)}%`;

/** Columns padded to their widest cell; `align` says per column: l (text) or r (figures). */
function table(header: string[], rows: string[][], align = 'lrrrr'): string[] {
  const widths = header.map((cell, column) => Math.max(cell.length, ...rows.map((row) => row[column]!.length)));
  const line = (row: string[]) => `  ${row.map((cell, column) => (align[column] === 'l' ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('  ')}`.trimEnd();
  return [line(header), ...rows.map(line)];
}

const cut = (text: string, width: number): string => (text.length > width ? `${text.slice(0, width - 1)}…` : text);

/** The report for a terminal or a ticket: the summary, suspects with their paths, duplicates, collections. */
export function heapReportText(report: HeapReport, top: number): string {
  const total = report.snapshot.totalSize;
  const share = (bytes: number) => (total === 0 ? '' : percent(bytes / total));
  const lines: string[] = [
    `Heap snapshot: ${formatBytes(report.snapshot.bytes)} read, ${count(report.snapshot.nodes)} objects, ${count(report.snapshot.edges)} references; heap ${formatBytes(total)}`,
    '',
    `Summary by constructor (top ${Math.min(top, report.classes.length)} of ${count(report.classes.length)} by retained size)`,
    ...table(
      ['Constructor', 'Count', 'Self size', 'Retained size', ''],
      report.classes.slice(0, top).map((c) => [cut(c.name, 40), count(c.count), formatBytes(c.selfSize), formatBytes(c.retainedSize), share(c.retainedSize)]),
    ),
    '',
    'Leak suspects (objects holding at least 1% of the heap, where it stops passing to one object)',
  ];
  if (report.suspects.length === 0) lines.push('  none');
  report.suspects.forEach((suspect, index) => {
    lines.push(`  ${index + 1}. ${suspect.name} @${suspect.id} retains ${formatBytes(suspect.retainedSize)} (${percent(suspect.share)} of the heap)`);
    lines.push(`     ${suspect.path}`);
    if (suspect.holds.length > 0) lines.push(`     holds ${suspect.holds.map((held) => `${count(held.count)} ${held.name} (${formatBytes(held.retainedSize)})`).join(', ')}`);
  });
  lines.push('', 'Duplicated strings (by bytes wasted on copies)');
  if (report.duplicateStrings.length === 0) lines.push('  none');
  else lines.push(...table(['Value', 'Copies', 'Wasted'], report.duplicateStrings.map((d) => [cut(d.preview, 60), count(d.count), formatBytes(d.wastedBytes)])));
  lines.push('', 'Biggest collections (entries that hold objects)');
  if (report.collections.length === 0) lines.push('  none');
  else lines.push(...table(['Collection', 'Entries', 'Retained', 'Path'], report.collections.map((c) => [`${c.name} @${c.id}`, count(c.entries), formatBytes(c.retainedSize), c.path]), 'lrrl'));
  return lines.join('\n');
}

/** The growth between two snapshots, by constructor only. */
export function growthText(growth: ClassGrowth[], top: number): string {
  const lines = ['Growth by constructor (by constructor only: objects are not matched between the two snapshots)'];
  if (growth.length === 0) lines.push('  no class grew');
  else lines.push(...table(['Constructor', 'Count +/-', 'Size +/-', 'Count', 'Self size'], growth.slice(0, top).map((g) => [cut(g.name, 40), signed(g.countDelta, count), signed(g.sizeDelta, formatBytes), count(g.count), formatBytes(g.selfSize)])));
  if (growth.length > top) lines.push(`  ... ${growth.length - top} more classes grew (--top)`);
  return lines.join('\n');
}

/** The three-snapshot technique's answer: survivors by class, each with the path of its largest. */
export function survivorsText(allocated: number, survivors: Survivors[]): string {
  const lines = [`Objects allocated between the first and second snapshots (${count(allocated)}) still alive in the third, by class (by V8 object id)`];
  if (survivors.length === 0) lines.push('  none');
  for (const s of survivors) lines.push(`  ${count(s.count)} ${s.name} (${formatBytes(s.selfSize)})`, `     ${s.path}`);
  return lines.join('\n');
}
