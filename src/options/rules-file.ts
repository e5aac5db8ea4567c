import { readFileSync } from 'node:fs';
import { ConfigError } from '../errors.js';
import { checkOptionNames, RULES_NAMES } from './option-names.js';
import { resolveRules, type RuleOptions } from './rules-options.js';

/**
 * Reads the `rules` option from a JSON file (`serve --rules-file FILE`): an array of rules, the same shape
 * as the option's. Checked here as the option is (names first, with the nearest known name for a misspelt
 * one, then values), so a mistake names the file and the rule's path.
 */
export function readRulesFile(path: string): RuleOptions[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError('INVALID_OPTIONS', `Cannot read rules file ${path}: ${(error as NodeJS.ErrnoException).code ?? 'unreadable'}.`);
  }
  let rules: unknown;
  try {
    rules = JSON.parse(text);
  } catch (error) {
    throw new ConfigError('INVALID_OPTIONS', `Rules file ${path} is not valid JSON: ${(error as Error).message}.`);
  }
  try {
    if (Array.isArray(rules)) checkOptionNames(rules, RULES_NAMES, 'rules');
    resolveRules(rules);
  } catch (error) {
    throw error instanceof ConfigError ? inRulesFile(path, error) : error;
  }
  return rules as RuleOptions[];
}

/** A rule refused at start (by the check above, or where the endpoint runs), saying which file it came from. */
export function inRulesFile(path: string, error: ConfigError): ConfigError {
  return new ConfigError(error.code, `Rules file ${path}: ${error.message}`);
}
