import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, extname } from 'node:path';
import { fileURLToPath } from 'node:url';

/** One static file of the console, under a name that carries its content's hash. */
export interface ConsoleAsset {
  hashedName: string;
  contentType: string;
  body: Buffer;
}

export interface ConsoleAssets {
  /** The page, its asset references rewritten to the hashed names (relative, so any base path works). */
  html: Buffer;
  byHashedName: Map<string, ConsoleAsset>;
}

/**
 * The console's files ship in the package's top-level `assets/console/` (listed in package.json
 * "files"): tsc copies nothing that is not TypeScript, and a folder beside dist/ needs no build step.
 * From dist/src/http/console/ that is four levels up, in the repository and in an installed package.
 */
const CONSOLE_DIR = new URL('../../../../assets/console/', import.meta.url);
const PAGE_SCRIPTS = ['format.js', 'dom.js', 'api.js', 'charts.js', 'live-view.js', 'flame-graph.js', 'pprof.js', 'leak-view.js', 'actions.js', 'app-panels.js', 'heap-report.js', 'dumps.js', 'rules.js', 'console.js'];
const PAGE_STYLES = ['console.css'];
const require = createRequire(import.meta.url);
/** uPlot is served from its installed package, resolved like an import: no copy, no CDN. */
const LIBRARIES = [require.resolve('uplot/dist/uPlot.iife.min.js'), require.resolve('uplot/dist/uPlot.min.css')];

const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

let loaded: ConsoleAssets | undefined;

/** Reads and hashes the files once, on first use: an endpoint nobody opens the console of pays nothing. */
export function consoleAssets(): ConsoleAssets {
  loaded ??= loadConsoleAssets();
  return loaded;
}

function loadConsoleAssets(): ConsoleAssets {
  const byHashedName = new Map<string, ConsoleAsset>();
  const hashedNameOf = new Map<string, string>();
  const files = [...LIBRARIES, ...[...PAGE_STYLES, ...PAGE_SCRIPTS].map((name) => fileURLToPath(new URL(name, CONSOLE_DIR)))];
  for (const path of files) {
    const body = readFileSync(path);
    const asset = hashed(basename(path), body);
    byHashedName.set(asset.hashedName, asset);
    hashedNameOf.set(basename(path), asset.hashedName);
  }
  const template = readFileSync(new URL('index.html', CONSOLE_DIR), 'utf8');
  // `{{asset:uPlot.min.css}}` in the page becomes `console/assets/uPlot.min.3f2a9c0d1e.css`.
  const html = template.replace(/\{\{asset:([^}]+)\}\}/g, (_match, name: string) => {
    const hashedName = hashedNameOf.get(name);
    if (hashedName === undefined) throw new Error(`console page names an unknown asset: ${name}`);
    return `console/assets/${hashedName}`;
  });
  return { html: Buffer.from(html, 'utf8'), byHashedName };
}

function hashed(name: string, body: Buffer): ConsoleAsset {
  const ext = extname(name);
  const hash = createHash('sha256').update(body).digest('hex').slice(0, 16);
  return { hashedName: `${name.slice(0, -ext.length)}.${hash}${ext}`, contentType: CONTENT_TYPES[ext] ?? 'application/octet-stream', body };
}
