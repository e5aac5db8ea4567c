/**
 * One analysis of a snapshot file in a fresh process, for the bench:
 *   node analyzer-run.js ours|vscode FILE
 * `ours` is what `maintenance-endpoint analyze --json` does (the streaming reader and the whole analysis);
 * `vscode` is @vscode/v8-heap-parser's decode of the file's bytes plus its class groups (the Summary
 * view). Prints `{ ms, peakRss, classes }`: the wall time from the start of reading to the result, the
 * process's peak RSS (the kernel's high-water mark), and how many classes it found.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { analyzeHeap } from '../../src/heap-analysis/analyze-heap.js';
import { fileChunks } from '../../src/heapsnapshot/file-chunks.js';
import { readHeapSnapshot } from '../../src/heapsnapshot/read-heap-snapshot.js';

interface VscodeParser {
  decode_bytes(input: Uint8Array): { get_class_groups(start: number, end: number, noRetained: boolean): unknown[]; free(): void };
}

const [which, file] = process.argv.slice(2);
if (file === undefined || (which !== 'ours' && which !== 'vscode')) throw new Error('usage: analyzer-run ours|vscode FILE');
const started = performance.now();
let classes: number;
if (which === 'ours') {
  const report = analyzeHeap(await readHeapSnapshot(fileChunks(file)), { top: 10 });
  classes = report.classes.length;
} else {
  const parser = createRequire(import.meta.url)('@vscode/v8-heap-parser') as VscodeParser;
  const graph = parser.decode_bytes(readFileSync(file));
  classes = graph.get_class_groups(0, 1_000_000, false).length;
}
const ms = performance.now() - started;
console.log(JSON.stringify({ ms, peakRss: process.resourceUsage().maxRSS * 1024, classes }));
