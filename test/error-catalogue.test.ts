import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ERROR_CODES } from '../src/errors.js';

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));

/** Every TypeScript source of the package, as text, by path relative to src/. */
function sources(): Map<string, string> {
  const files = new Map<string, string>();
  for (const entry of readdirSync(SRC, { recursive: true, withFileTypes: true })) {
    if (entry.isFile() && entry.name.endsWith('.ts')) {
      const path = join(entry.parentPath, entry.name);
      files.set(path.slice(SRC.length), readFileSync(path, 'utf8'));
    }
  }
  return files;
}

const codes = Object.keys(ERROR_CODES);

test('the catalogue is sealed: frozen, so nothing adds or changes a code at run time', () => {
  assert.ok(Object.isFrozen(ERROR_CODES));
  assert.throws(() => {
    (ERROR_CODES as Record<string, string>).NEW_CODE = 'made up';
  }, TypeError);
});

test('no source makes a code of its own: every code written into an error body or an error is the catalogue\'s', () => {
  const adHoc: string[] = [];
  for (const [path, text] of sources()) {
    // A code written by hand into a JSON body ({ code: 'X' }), or handed to an error's constructor.
    for (const match of text.matchAll(/\bcode: ['"]([A-Z][A-Z0-9_]+)['"]|(?:Error|super)\(\s*['"]([A-Z][A-Z0-9_]+)['"]/g)) {
      const code = match[1] ?? match[2]!;
      if (!codes.includes(code)) adHoc.push(`${path}: ${code}`);
    }
  }
  assert.deepEqual(adHoc, []);
});

test('every code of the catalogue is raised somewhere: none is declared and never used', () => {
  const files = sources();
  // The catalogue's own declaration and the status table name every code; they do not raise any.
  const catalogue = files.get('errors.ts')!.replace(/const (START_UP|REQUEST|TARGET) = \{[\s\S]*?\n\} as const;/g, '');
  files.set('errors.ts', catalogue);
  files.delete(join('http', 'error-status.ts'));
  const text = [...files.values()].join('\n');
  assert.deepEqual(codes.filter((code) => !text.includes(`'${code}'`)), []);
});
