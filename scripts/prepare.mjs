// npm's `prepare`: builds dist/src from src/ wherever the package is made from source, that is `npm ci`
// or `npm install` in a clone, `npm pack` and `npm publish`, and an install from git (npm installs the
// dev dependencies, TypeScript among them, into its temporary clone first).
// A production install of a clone (`npm ci --omit=dev`) has no TypeScript: it keeps a dist/ built
// before, or says plainly what is missing instead of failing on a missing `tsc`.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';

let tsc;
try {
  tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
} catch {
  if (existsSync(new URL('../dist/src/index.js', import.meta.url))) {
    console.log('maintenance-endpoint: TypeScript is not installed; keeping the dist/ built before.');
    process.exit(0);
  }
  console.error('maintenance-endpoint: dist/ is not built and TypeScript is not installed: install with dev dependencies (npm ci), or install the published package.');
  process.exit(1);
}
execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: new URL('..', import.meta.url), stdio: 'inherit' });
// tsc writes files without the execute bit: the bin npm and npx link must be executable.
chmodSync(new URL('../dist/src/cli/main.js', import.meta.url), 0o755);
