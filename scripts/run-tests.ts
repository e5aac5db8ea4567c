/**
 * `npm test` after the build: every compiled test file under Node's test runner, six at a time (most of their time is waiting: on V8's GCs, a watchdog, a timer), the
 * longest first. The runner starts files in the order it is given them, so a five-minute file started
 * last would run alone at the end while the other slots idle; started first, it runs beside the short
 * ones. Arguments, when given, are the files to run instead of all of them.
 */
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const TEST_DIR = fileURLToPath(new URL('../test/', import.meta.url));

/**
 * Files that take minutes of wall time whatever the machine does (they wait on V8's own GCs, a slow
 * upload or a watchdog), longest first, as measured in a full run on 2 cores.
 */
const LONGEST_FIRST = [
  'leak-corpus',
  'slow-leak-corpus',
  'egress-large',
  'snapshot-redaction-cut-in-process',
  'kill-safety',
  'health-probes',
  'runnable-docs',
  'heap-analysis',
  'snapshot-memory-release',
  'console',
  'full-disk',
  'router-snapshot',
  'memory',
];

function ordered(files: string[]): string[] {
  const rank = (file: string): number => {
    const index = LONGEST_FIRST.indexOf(file.replace(/\.test\.js$/, ''));
    return index < 0 ? LONGEST_FIRST.length : index;
  };
  return [...files].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

const given = process.argv.slice(2);
const files = given.length > 0 ? given : ordered(readdirSync(TEST_DIR).filter((name) => name.endsWith('.test.js'))).map((name) => join(TEST_DIR, name));
const child = spawn(process.execPath, ['--test', '--test-reporter=spec', '--test-concurrency=6', '--test-timeout=600000', ...files], { stdio: 'inherit' });
child.on('exit', (code, signal) => {
  process.exitCode = code ?? (signal ? 1 : 0);
});
// A CI runner's or a person's stop reaches the suite too (its files stop their own apps and servers).
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
