import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { renderErrorTables } from '../scripts/docs/error-table.js';
import { renderParamTables, undocumentedRoutes } from '../scripts/docs/param-tables.js';
import { allRoutes } from '../src/http/routes/all-routes.js';

const API_DOC = fileURLToPath(new URL('../../docs/api.md', import.meta.url));
const README = fileURLToPath(new URL('../../README.md', import.meta.url));

test("docs/api.md's parameter tables are the routes' declarations (run `npm run docs` after changing one)", () => {
  const text = readFileSync(API_DOC, 'utf8');
  assert.deepEqual(undocumentedRoutes(text), [], 'every route with parameters has a table');
  assert.equal(renderParamTables(text), text);
});

test("docs/api.md's error tables are the catalogue, with each code's status (run `npm run docs` after changing a code)", () => {
  const text = readFileSync(API_DOC, 'utf8');
  assert.equal(renderErrorTables(text), text);
});

/** Every `METHOD /path` named in the table rows of `markdown` between `from` and the next `## ` heading. */
function tabledRoutes(markdown: string, from: string): Set<string> {
  const start = markdown.indexOf(from);
  assert.ok(start >= 0, `no "${from}" heading`);
  const end = markdown.indexOf('\n## ', start + from.length);
  const rows = markdown.slice(start, end < 0 ? undefined : end).split('\n').filter((line) => line.startsWith('|'));
  const listed = new Set<string>();
  for (const row of rows) {
    for (const [, methods, path] of row.matchAll(/`((?:GET|POST|PUT|DELETE)(?:\/(?:GET|POST|PUT|DELETE))*) (\/[^`\s]*)`/g)) {
      for (const method of methods!.split('/')) listed.add(`${method} ${path}`);
    }
  }
  return listed;
}

test("README's and api.md's endpoint tables list every route the code declares", () => {
  const declared = [
    ...allRoutes.map((route) => `${route.method} ${route.path.replace(/:(\w+)/g, '{$1}')}`),
    // Mounted by http/create-api-router.ts outside the declarations: before authentication, with no token.
    'GET /livez',
    'GET /readyz',
    'GET /console',
  ];
  const readme = tabledRoutes(readFileSync(README, 'utf8'), '## Endpoints');
  const api = tabledRoutes(readFileSync(API_DOC, 'utf8'), '# API reference');
  assert.deepEqual(declared.filter((route) => !readme.has(route)), [], "missing from README's endpoint table");
  assert.deepEqual(declared.filter((route) => !api.has(route)), [], "missing from api.md's endpoint table");
  assert.deepEqual([...readme].filter((route) => !declared.includes(route)), [], "README's table names a route the code does not declare");
});
