import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { newToken } from './helpers/fixture.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const run = promisify(execFile);

/** npm as `npm test` runs it (npm_execpath), else the one on PATH; always on this test's node. */
function npm(args: string[], cwd: string): Promise<{ stdout: string; stderr: string }> {
  const cli = process.env.npm_execpath;
  return cli !== undefined && /npm-cli\.js$/.test(cli)
    ? run(process.execPath, [cli, ...args], { cwd, maxBuffer: 16 * 1024 * 1024 })
    : run('npm', args, { cwd, maxBuffer: 16 * 1024 * 1024 });
}

/**
 * A lockfile for an app that depends on the packed tarball alone: the package's own production
 * dependencies come from the repository's lockfile, so `npm ci --offline` takes them from the npm cache
 * that installing the repository filled (without a lockfile npm would need the registry's metadata).
 */
function scratchLockfile(tarball: string, pkg: { version: string; dependencies: Record<string, string>; bin: Record<string, string> }): object {
  const repositoryLock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean }> };
  const production = Object.entries(repositoryLock.packages).filter(([path, entry]) => path.startsWith('node_modules/') && entry.dev !== true);
  const integrity = `sha512-${createHash('sha512').update(readFileSync(tarball)).digest('base64')}`;
  return {
    name: 'scratch-app',
    lockfileVersion: 3,
    requires: true,
    packages: {
      '': { name: 'scratch-app', dependencies: { 'maintenance-endpoint': 'file:package.tgz' } },
      'node_modules/maintenance-endpoint': { version: pkg.version, resolved: 'file:package.tgz', integrity, dependencies: pkg.dependencies, bin: pkg.bin },
      ...Object.fromEntries(production),
    },
  };
}

/** The app: starts the real out-of-band server on port 0, downloads a heap snapshot, checks it parses. */
const APP_BODY = `
  const token = process.env.OPS_TOKEN;
  const server = await startMaintenanceServer({ port: 0, tokens: [{ id: 'ops', token, scopes: ['heap'] }], auditLog: '/dev/null' });
  try {
    const reply = await fetch(server.url + '/heapsnapshot', { headers: { authorization: 'Bearer ' + token } });
    const snapshot = JSON.parse(await reply.text());
    console.log(JSON.stringify({ status: reply.status, nodes: snapshot.snapshot.node_count, exports: Object.keys(endpoint).sort() }));
  } finally {
    await server.close();
  }`;

/** The same app as an ES module and as CommonJS (many Express apps are), by file extension. */
const APPS = {
  'app.mjs': `import * as endpoint from 'maintenance-endpoint';\nconst { startMaintenanceServer } = endpoint;\n${APP_BODY}\n`,
  'app.cjs': `const endpoint = require('maintenance-endpoint');\nconst { startMaintenanceServer } = endpoint;\n(async () => {${APP_BODY}\n})().catch((error) => {\n  console.error(error);\n  process.exit(1);\n});\n`,
};

describe('the packed package, installed into apps outside the repository', () => {
  let dir: string;
  let tarball: string;
  let packedFiles: string[];
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'me-package-'));
    // `npm test` has just built dist/; packing runs no scripts so this test does not build it again.
    const { stdout } = await npm(['pack', '--ignore-scripts', '--json', '--pack-destination', dir], ROOT);
    const [packed] = JSON.parse(stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
    tarball = join(dir, packed!.filename);
    packedFiles = packed!.files.map((file) => file.path);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('ships the built code, its types, the CLI and the docs, and no tests or sources', () => {
    for (const file of ['package.json', 'README.md', 'docs/api.md', 'dist/src/index.js', 'dist/src/index.d.ts', 'dist/src/cli/main.js', 'dist/src/worker/maintenance-worker.js']) {
      assert.ok(packedFiles.includes(file), `${file} is in the package`);
    }
    assert.deepEqual(packedFiles.filter((file) => /^(test|src|scripts|dist\/test|dist\/scripts)\//.test(file) || file.endsWith('.map')), []);
  });

  test('installs into an app offline; an ES module and a CommonJS app serve a heap snapshot; npx runs the CLI', async () => {
    const appDir = join(dir, 'app');
    mkdirSync(appDir);
    copyFileSync(tarball, join(appDir, 'package.tgz'));
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    writeFileSync(join(appDir, 'package.json'), JSON.stringify({ name: 'scratch-app', private: true, dependencies: { 'maintenance-endpoint': 'file:package.tgz' } }));
    writeFileSync(join(appDir, 'package-lock.json'), JSON.stringify(scratchLockfile(join(appDir, 'package.tgz'), pkg)));
    await npm(['ci', '--offline', '--no-audit', '--no-fund'], appDir);

    for (const [file, source] of Object.entries(APPS)) {
      writeFileSync(join(appDir, file), source);
      const result = await runNode([file], appDir, { OPS_TOKEN: newToken() });
      assert.equal(result.code, 0, `${file}: ${result.stderr}`);
      const reply = JSON.parse(result.stdout) as { status: number; nodes: number; exports: string[] };
      assert.equal(reply.status, 200, file);
      assert.ok(reply.nodes > 1000, `${file}: a real heap snapshot of the app`);
      assert.ok(['maintenanceRouter', 'maintenanceRequestHandler', 'startMaintenanceServer'].every((name) => reply.exports.includes(name)), file);
    }

    const help = await npm(['exec', '--offline', '--', 'maintenance-endpoint', '--help'], appDir);
    assert.match(help.stdout, /^Usage: maintenance-endpoint COMMAND/);
    assert.match(help.stdout, /^  serve /m);
  });
});

function runNode(args: string[], cwd: string, env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
