import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { renderParamTables, undocumentedRoutes } from '../scripts/docs/param-tables.js';

const API_DOC = fileURLToPath(new URL('../../docs/api.md', import.meta.url));

test("docs/api.md's parameter tables are the routes' declarations (run `npm run docs` after changing one)", () => {
  const text = readFileSync(API_DOC, 'utf8');
  assert.deepEqual(undocumentedRoutes(text), [], 'every route with parameters has a table');
  assert.equal(renderParamTables(text), text);
});
