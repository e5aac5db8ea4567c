import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The packages of the HTTP stack and of the features loaded on first use: none belongs in the app's thread at idle. */
export const SERVER_PACKAGES = ['express', 'router', 'body-parser', 'helmet', 'express-rate-limit', 'prom-client', 'pino', '@aws-sdk', 'acorn', 'chrome-remote-interface'];

/** The packages among `urls`, by the name of the node_modules folder they load from. */
export function packagesOf(urls: string[]): Set<string> {
  const names = urls.map((url) => /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)?.[1]).filter((name) => name !== undefined);
  return new Set(names.map((name) => (name.startsWith('@aws-sdk/') ? '@aws-sdk' : name)));
}

/** What the main thread of an app run with `--import test/fixtures/record-loads.js` loaded so far, one URL each. */
export function loadedByMainThread(recordDir: string): string[] {
  return readFileSync(join(recordDir, '0.txt'), 'utf8').split('\n').filter(Boolean);
}
