import { readFileSync, statSync } from 'node:fs';
import { ConfigError } from '../errors.js';
import type { EgressOptions } from './egress-options.js';
import { checkOptionNames, EGRESS_NAMES } from './option-names.js';

/**
 * Reads the `egress` option from a JSON file (`serve --egress-config FILE`): `{ "NAME": { "type": "s3",
 * ... } }`. It may hold credentials, so, like the tokens file, it must be readable by its owner alone.
 * Its content is checked by resolveEgressOptions; messages here never quote it.
 */
export function readEgressConfigFile(path: string): EgressOptions {
  let mode: number;
  try {
    mode = statSync(path).mode;
  } catch (error) {
    throw new ConfigError('EGRESS_OPTIONS', `Cannot read egress config file ${path}: ${(error as NodeJS.ErrnoException).code ?? 'unreadable'}.`);
  }
  if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
    throw new ConfigError(
      'EGRESS_OPTIONS',
      `Egress config file ${path} is readable by group or others (mode ${(mode & 0o777).toString(8)}); it may hold credentials: chmod 600 it.`,
    );
  }
  let egress: EgressOptions;
  try {
    egress = JSON.parse(readFileSync(path, 'utf8')) as EgressOptions;
  } catch {
    // Not the parser's message: it quotes the text around the mistake, which may be a secret.
    throw new ConfigError('EGRESS_OPTIONS', `Egress config file ${path} is not valid JSON.`);
  }
  checkOptionNames(egress, EGRESS_NAMES, 'egress');
  return egress;
}
