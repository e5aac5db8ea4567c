/**
 * Writes one heap snapshot of the bench's heap of small objects, with V8's own writer:
 *   node analyzer-heap-app.js OUT_FILE ITEMS
 * and prints `{ "bytes": N }` once it is written.
 */
import { statSync } from 'node:fs';
import { writeHeapSnapshot } from 'node:v8';
import { buildSmallObjectHeap } from './small-object-heap.js';

const [out, items] = process.argv.slice(2);
if (out === undefined || items === undefined) throw new Error('usage: analyzer-heap-app OUT_FILE ITEMS');
buildSmallObjectHeap(Number(items));
writeHeapSnapshot(out);
console.log(JSON.stringify({ bytes: statSync(out).size }));
