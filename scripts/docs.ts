/**
 * npm run docs: rewrites docs/api.md's parameter tables from the routes' declarations, and its error
 * tables from the error catalogue.
 * The test suite (test/api-doc.test.ts) fails while the file differs from what this writes.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderErrorTables } from './docs/error-table.js';
import { renderParamTables, undocumentedRoutes } from './docs/param-tables.js';

const path = fileURLToPath(new URL('../../docs/api.md', import.meta.url));
const before = readFileSync(path, 'utf8');
const after = renderErrorTables(renderParamTables(before));
const missing = undocumentedRoutes(after);
if (missing.length > 0) {
  process.stderr.write(`docs/api.md has no parameter table for: ${missing.join(', ')}\n`);
  process.exitCode = 1;
}
if (after !== before) writeFileSync(path, after);
process.stdout.write(after === before ? 'docs/api.md is up to date\n' : 'docs/api.md rewritten\n');
