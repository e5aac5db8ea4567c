import { allRoutes } from '../../src/http/routes/all-routes.js';
import { resolveConfig } from '../../src/options/resolve-options.js';
import type { FieldSpecs } from '../../src/params/body-spec.js';
import type { ParamSpecs } from '../../src/params/param-spec.js';

/**
 * docs/api.md's parameter tables, rendered from the routes' own declarations (the single source):
 * each sits between `<!-- params: METHOD /path -->` and `<!-- /params -->`.
 */
const MARKER = /<!-- params: (GET|POST|DELETE) (\S+) -->\n[\s\S]*?<!-- \/params -->/g;
/** A path's parameters, likewise between `<!-- path-params: METHOD /path -->` and `<!-- /path-params -->`. */
const PATH_MARKER = /<!-- path-params: (GET|POST|DELETE) (\S+) -->\n[\s\S]*?<!-- \/path-params -->/g;
/** A JSON body's fields, likewise between `<!-- body: METHOD /path -->` and `<!-- /body -->`. */
const BODY_MARKER = /<!-- body: (GET|POST|DELETE) (\S+) -->\n[\s\S]*?<!-- \/body -->/g;

/** The documented values use the default configuration (e.g. maxProfileSeconds 300). */
function defaultConfig() {
  return resolveConfig({ tokens: [{ id: 'docs', token: 'k3Tq9ZpWx7LrV2mNb8YcHd4Fs6GjAu5E', scopes: ['read'] }] });
}

function bodyTable(specs: FieldSpecs): string {
  const rows = Object.entries(specs).map(([name, spec]) => {
    const cell = (text: string) => text.replace(/\|/g, '\\|');
    const fallback = spec.required ? 'required' : '';
    return `| \`${name}\` | ${cell(spec.describe)} | ${spec.default === undefined ? fallback : `\`${String(spec.default)}\``} | ${cell(spec.meaning ?? '')} |`;
  });
  return ['| field | values | default | meaning |', '| --- | --- | --- | --- |', ...rows].join('\n');
}

const routeOf = (method: string, path: string) => allRoutes.find((candidate) => candidate.method === method && candidate.path === path.replace(/\{(\w+)\}/g, ':$1'));

function table(specs: ParamSpecs): string {
  const rows = Object.entries(specs).map(([name, spec]) => {
    const cell = (text: string) => text.replace(/\|/g, '\\|');
    return `| \`${name}\` | ${cell(spec.describe)} | ${spec.default === undefined ? '' : `\`${String(spec.default)}\``} | ${cell(spec.meaning ?? '')} |`;
  });
  return ['| parameter | values | default | meaning |', '| --- | --- | --- | --- |', ...rows].join('\n');
}

function pathTable(specs: ParamSpecs): string {
  const cell = (text: string) => text.replace(/\|/g, '\\|');
  const rows = Object.entries(specs).map(([name, spec]) => `| \`${name}\` | ${cell(spec.describe)} | ${cell(spec.meaning ?? '')} |`);
  return ['| path parameter | values | meaning |', '| --- | --- | --- |', ...rows].join('\n');
}

/** Rewrites every marked table in `markdown`; a marker naming no route, or a route without parameters, is an error. */
export function renderParamTables(markdown: string): string {
  const config = defaultConfig();
  return markdown
    .replace(MARKER, (_whole, method: string, path: string) => {
      const route = routeOf(method, path);
      if (route?.params === undefined) throw new Error(`docs/api.md marks parameters for ${method} ${path}, which declares none`);
      return `<!-- params: ${method} ${path} -->\n${table(route.params(config))}\n<!-- /params -->`;
    })
    .replace(PATH_MARKER, (_whole, method: string, path: string) => {
      const route = routeOf(method, path);
      if (route?.pathParams === undefined) throw new Error(`docs/api.md marks path parameters for ${method} ${path}, which declares none`);
      return `<!-- path-params: ${method} ${path} -->\n${pathTable(route.pathParams)}\n<!-- /path-params -->`;
    })
    .replace(BODY_MARKER, (_whole, method: string, path: string) => {
      const route = routeOf(method, path);
      if (route?.body === undefined) throw new Error(`docs/api.md marks a body for ${method} ${path}, which declares none`);
      return `<!-- body: ${method} ${path} -->\n${bodyTable(route.body(config))}\n<!-- /body -->`;
    });
}

/** Routes that declare parameters but have no marked table in `markdown`. */
export function undocumentedRoutes(markdown: string): string[] {
  const marked = new Set([...markdown.matchAll(MARKER)].map((match) => `${match[1]} ${match[2]!.replace(/\{(\w+)\}/g, ':$1')}`));
  const bodies = new Set([...markdown.matchAll(BODY_MARKER)].map((match) => `${match[1]} ${match[2]!.replace(/\{(\w+)\}/g, ':$1')}`));
  const paths = new Set([...markdown.matchAll(PATH_MARKER)].map((match) => `${match[1]} ${match[2]!.replace(/\{(\w+)\}/g, ':$1')}`));
  return allRoutes
    .filter(
      (route) =>
        (route.params !== undefined && !marked.has(`${route.method} ${route.path}`)) ||
        (route.body !== undefined && !bodies.has(`${route.method} ${route.path}`)) ||
        (route.pathParams !== undefined && !paths.has(`${route.method} ${route.path}`)),
    )
    .map((route) => `${route.method} ${route.path}`);
}
