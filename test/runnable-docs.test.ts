import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { CLI } from './helpers/cli.js';
import { STARTUP_TIMEOUT_MS, stopChild } from './helpers/fixture.js';
import { eventually, request } from './helpers/http.js';
import { assertArtifactFile, commandBlocks, runnableExamples, runShell, type Example } from './helpers/runnable-examples.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DEMO = join(ROOT, 'dist/scripts/demo.js');
/** The address documentation examples use for an endpoint; replaced by the demo's. */
const DOCUMENTED_BASE = 'http://127.0.0.1:9464/ops';

interface Demo {
  child: ChildProcess;
  base: string;
  token: string;
  /** The lines under "Try:" and the CLI lines, as printed. */
  lines: string[];
}

/** `npm start`'s demo in `cwd`, on free ports with its own fresh token unless `env` says otherwise. */
function spawnDemo(cwd: string, env: Record<string, string> = {}): ChildProcess {
  const full: NodeJS.ProcessEnv = { ...process.env, PORT: '0', MAINTENANCE_PORT: '0', ...env };
  delete full.MAINTENANCE_ENDPOINT_TOKENS;
  return spawn(process.execPath, [DEMO], { cwd, env: full, stdio: ['ignore', 'pipe', 'pipe'] });
}

async function startDemo(cwd: string): Promise<Demo> {
  const child = spawnDemo(cwd);
  // stderr carries the audit log: read and dropped, so the test's output stays readable.
  child.stderr!.resume();
  const printed: string[] = [];
  const started = new Promise<void>((resolve, reject) => {
    // As generous as a fixture's start: a loaded machine can take many seconds to start a Node process with a worker.
    const timer = setTimeout(() => reject(new Error(`the demo did not start: ${printed.join('\n')}`)), STARTUP_TIMEOUT_MS);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      printed.push(line);
      if (line === 'Ctrl-C to stop.') {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`the demo exited with ${code}: ${printed.join('\n')}`)));
  });
  // A demo that did not start is not left running: the test file would never exit.
  await started.catch(async (error: unknown) => {
    await stopChild(child, 'SIGKILL');
    throw error;
  });
  const base = /^Maintenance endpoint:\s+(\S+)$/m.exec(printed.join('\n'))?.[1];
  const token = /^Token \([^)]*\): (\S+)$/m.exec(printed.join('\n'))?.[1];
  assert.ok(base && token, printed.join('\n'));
  assert.doesNotMatch(base, /:0\//, 'the real port, not 0');
  const lines = printed.filter((line) => /^ {2}(curl|export|npx) /.test(line)).map((line) => line.trim());
  return { child, base, token, lines };
}

/** Runs one example line and checks it did what it says: exit 0, its files whole, its JSON parseable. */
async function runExample(example: Example, demo: Demo, cwd: string, env: NodeJS.ProcessEnv): Promise<void> {
  const substitute = (text: string) => text.replaceAll(DOCUMENTED_BASE, demo.base).replace(/\bnpx maintenance-endpoint\b/g, 'maintenance-endpoint');
  const script = [...example.prelude, example.command].map(substitute).join('\n');
  const before = new Set(readdirSync(cwd));
  const run = await runShell(script, cwd, env);
  const where = `${example.source}: ${example.command}\n${run.stderr}`;
  assert.equal(run.code, 0, where);
  const written = readdirSync(cwd).filter((name) => !before.has(name) && !name.startsWith('.'));
  for (const name of written) assertArtifactFile(join(cwd, name));
  if (/\s-o\s|\s-fOJ\s|\s-OJ\s/.test(example.command)) assert.ok(written.length > 0, `${where}: no file written`);
  const out = run.stdout.trim();
  if (/401 without a token/.test(example.command)) {
    assert.equal(JSON.parse(out).error.code, 'UNAUTHORIZED', where);
  } else if (/format=text|maintenance-endpoint stack/.test(example.command)) {
    assert.match(out, /^Main thread of process \d+ /, where);
  } else if (/maintenance-endpoint (heapsnapshot|cpuprofile|heapprofile) .*-o /.test(example.command)) {
    assert.deepEqual(out.split('\n').slice(-1), [written[0]], `${where}: prints the file it wrote`);
  } else if (out.startsWith('{') || out.startsWith('[') || /--json|\| jq/.test(example.command)) {
    assert.doesNotThrow(() => JSON.parse(out), where);
  } else if (/\b(delay|at|when)=/.test(example.command)) {
    assert.match(JSON.parse(out).status, /^scheduled$/, where);
  }
}

/**
 * Runs `body` against a fresh demo in a private directory: each gets its own rate limits (10 heavy
 * requests a minute), which the examples of one page stay within, and its own dump store.
 */
async function withDemo(body: (demo: Demo, env: NodeJS.ProcessEnv, fresh: () => string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'me-docs-'));
  const bin = join(dir, 'bin');
  const work = join(dir, 'work');
  mkdirSync(bin);
  mkdirSync(work);
  // `maintenance-endpoint` on PATH, as after `npm i -g`: this checkout's CLI.
  writeFileSync(join(bin, 'maintenance-endpoint'), `#!/bin/sh\nexec "${process.execPath}" "${CLI}" "$@"\n`);
  chmodSync(join(bin, 'maintenance-endpoint'), 0o755);
  let demo: Demo | undefined;
  try {
    demo = await startDemo(work);
    const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${bin}:${process.env.PATH}`, TOKEN: demo.token, BASE: demo.base, URL: demo.base };
    delete env.MAINTENANCE_ENDPOINT_URL;
    delete env.MAINTENANCE_ENDPOINT_TOKEN;
    await body(demo, env, () => mkdtempSync(join(dir, 'run-')));
  } finally {
    if (demo) await stopChild(demo.child, 'SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

/** README and every page of docs/: a new page's blocks are run (or say why not) without a list to update. */
const DOCUMENTS = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((name) => name.endsWith('.md')).sort().map((name) => `docs/${name}`)];
const examplesOf = (file: string) => runnableExamples(readFileSync(join(ROOT, file), 'utf8'), file);

describe('every example the demo prints and the docs mark runnable works against a real demo', () => {
  test('the curl and CLI lines the demo prints', () =>
    withDemo(async (demo, env, fresh) => {
      assert.ok(demo.lines.filter((line) => line.startsWith('curl ')).length >= 8, demo.lines.join('\n'));
      const prelude: string[] = [];
      for (const line of demo.lines) {
        if (line.startsWith('export ')) prelude.push(line);
        else await runExample({ source: 'npm start', prelude: [...prelude], command: line }, demo, fresh(), env);
      }
      // "scheduled; then GET /dumps": the job it printed shows up there and completes.
      await eventually(async () => {
        const { dumps } = (await request(`${demo.base}/dumps`, { token: demo.token })).json();
        return dumps.length > 0 && dumps.every((job: { status: string }) => job.status === 'ready');
      }, 60_000, 'the scheduled snapshot to be ready');
    }));

  for (const file of DOCUMENTS.filter((name) => examplesOf(name).length > 0)) {
    test(`the runnable blocks of ${file}`, () =>
      withDemo(async (demo, env, fresh) => {
        for (const example of examplesOf(file)) await runExample(example, demo, fresh(), env);
      }));
  }

  test('every shell block that runs curl or the CLI is run here, or says why not', () => {
    const blocks = DOCUMENTS.flatMap((file) => commandBlocks(readFileSync(join(ROOT, file), 'utf8'), file));
    assert.ok(blocks.length >= 10, `${blocks.length} blocks found: the search itself is broken`);
    const unmarked = blocks.filter(({ marker }) => marker !== 'runnable' && !/^not-runnable: \S.{9,}/.test(marker ?? ''));
    assert.deepEqual(unmarked.map(({ source, line }) => `${source}:${line}`), [], 'mark each <!-- runnable --> or <!-- not-runnable: why -->');
    // The runner reads the same markers: every block marked runnable gives it commands to run.
    for (const file of DOCUMENTS) {
      const run = new Set(examplesOf(file).map(({ source }) => source));
      const marked = commandBlocks(readFileSync(join(ROOT, file), 'utf8'), file).filter(({ marker }) => marker === 'runnable');
      assert.deepEqual(marked.map(({ source, line }) => `${source}:${line}`).filter((name) => !run.has(name)), [], `${file}: a block marked runnable that the runner skips`);
    }
  });

  test('runnable blocks exist where the docs show commands to try', () => {
    assert.ok(examplesOf('README.md').length >= 5);
    assert.ok(examplesOf('docs/operations.md').length >= 8);
    assert.ok(examplesOf('docs/api.md').length >= 1);
    for (const task of ['docs/when-memory-grows.md', 'docs/when-the-loop-is-stuck.md', 'docs/when-the-cpu-is-high.md']) {
      assert.ok(examplesOf(task).length >= 5, `${task}: a task page is a workflow that runs`);
    }
  });
});

describe('the demo refuses a port it cannot use with a clear message, not a crash', () => {
  /** Runs the demo with `env` until it exits by itself; what it wrote to stderr and its exit code. */
  async function demoExit(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
    const cwd = mkdtempSync(join(tmpdir(), 'me-demo-'));
    const child = spawnDemo(cwd, env);
    child.stdout!.resume();
    let stderr = '';
    child.stderr!.on('data', (chunk) => (stderr += chunk));
    try {
      const code = await new Promise<number | null>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`the demo did not exit: ${stderr}`)), STARTUP_TIMEOUT_MS);
        child.once('exit', (exitCode) => {
          clearTimeout(timer);
          resolve(exitCode);
        });
      });
      return { code, stderr };
    } finally {
      await stopChild(child, 'SIGKILL');
      rmSync(cwd, { recursive: true, force: true });
    }
  }

  test('PORT or MAINTENANCE_PORT taken, or not a port: exit 1 naming the variable', async () => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const taken = String((holder.address() as AddressInfo).port);
    try {
      for (const name of ['PORT', 'MAINTENANCE_PORT']) {
        const { code, stderr } = await demoExit({ [name]: taken });
        assert.equal(code, 1, stderr);
        const expected = `demo: port ${taken} is already in use; set ${name} to another port (0 picks a free one).`;
        assert.ok(stderr.split('\n').includes(expected), stderr);
        assert.doesNotMatch(stderr, /\n\s+at /, 'no stack trace');
      }
      const typo = await demoExit({ PORT: '80a' });
      assert.equal(typo.code, 1, typo.stderr);
      assert.ok(typo.stderr.split('\n').includes('demo: PORT must be a port number from 0 to 65535, not "80a".'), typo.stderr);
    } finally {
      await new Promise((resolve) => holder.close(resolve));
    }
  });
});
