import { createRequire } from 'node:module';

/** The package's own name and version, read from its package.json (two levels up from dist/src). */
export const packageInfo: { name: string; version: string } = (() => {
  const { name, version } = createRequire(import.meta.url)('../../package.json') as { name: string; version: string };
  return { name, version };
})();
