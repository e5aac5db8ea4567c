import { hash, timingSafeEqual } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { ConfigError } from '../errors.js';

/** `heap-raw`: a heap snapshot without its redaction (`redact=false`); a token needs `heap` as well to take one. */
export const SCOPES = ['read', 'heap', 'heap-raw', 'profile', 'eval', 'command'] as const;
export type Scope = (typeof SCOPES)[number];

/** A token as the operator configures it. */
export interface TokenSpec {
  id: string;
  token: string;
  scopes: Scope[];
}

/** Where tokens may come from. The first one given wins; with none, the environment variable is read. */
export interface TokenSources {
  tokens?: TokenSpec[];
  /** Path of a JSON file holding a TokenSpec array. It must not be readable by group or others. */
  tokensFile?: string;
  /** Name of the environment variable holding a TokenSpec array as JSON. */
  tokensEnv?: string;
}

/** What the server keeps of a token: its id, scopes and SHA-256 digest. The token itself is dropped. */
export interface TokenRecord {
  id: string;
  scopes: Scope[];
  digest: Buffer;
}

export const DEFAULT_TOKENS_ENV = 'MAINTENANCE_ENDPOINT_TOKENS';
export const MIN_TOKEN_LENGTH = 24;
/** Fewer distinct characters than this is no random token: a word, a date, a key held down. */
export const MIN_DISTINCT_CHARACTERS = 16;
const GENERATE_HINT = `generate one with \`node -e "console.log(require('crypto').randomBytes(32).toString('base64url'))"\``;
const MAX_TOKEN_LENGTH = 1024;
const ID_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;

export function digestToken(token: string): Buffer {
  // crypto.hash: one call, no Hash object (a third of the cost, paid by every request of a flood).
  return hash('sha256', token, 'buffer');
}

/** Reads the configured source, validates every entry and returns records without the secrets. */
export function loadTokenRecords(sources: TokenSources, env: NodeJS.ProcessEnv = process.env): TokenRecord[] {
  const specs = readSpecs(sources, env);
  return validateSpecs(specs).map((spec) => ({ id: spec.id, scopes: [...spec.scopes], digest: digestToken(spec.token) }));
}

function readSpecs(sources: TokenSources, env: NodeJS.ProcessEnv): unknown {
  if (sources.tokens !== undefined) return sources.tokens;
  if (sources.tokensFile !== undefined) return readTokensFile(sources.tokensFile);
  const name = sources.tokensEnv ?? DEFAULT_TOKENS_ENV;
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') {
    throw new ConfigError(
      'NO_TOKENS',
      `No tokens configured: pass \`tokens\`, \`tokensFile\`, or set ${name} to a JSON array of { id, token, scopes }. ` +
        'The maintenance endpoint never starts without authentication.',
    );
  }
  return parseJson(raw, `environment variable ${name}`);
}

function readTokensFile(path: string): unknown {
  let mode: number;
  try {
    mode = statSync(path).mode;
  } catch (error) {
    throw new ConfigError('TOKENS_FILE', `Cannot read tokens file ${path}: ${(error as Error).message}`);
  }
  if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
    throw new ConfigError(
      'TOKENS_FILE_MODE',
      `Tokens file ${path} is readable by group or others (mode ${(mode & 0o777).toString(8)}); chmod 600 it.`,
    );
  }
  return parseJson(readFileSync(path, 'utf8'), `tokens file ${path}`);
}

function parseJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    // The parser's message may quote the secret text, so it is deliberately not passed on.
    throw new ConfigError('TOKENS_JSON', `The ${where} is not valid JSON (expected an array of { id, token, scopes }).`);
  }
}

function validateSpecs(value: unknown): TokenSpec[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw new ConfigError('NO_TOKENS', 'At least one token is required: an array of { id, token, scopes }.');
  }
  const ids = new Set<string>();
  const digests = new Set<string>();
  return value.map((entry, index) => {
    const spec = validateSpec(entry, index);
    if (ids.has(spec.id)) throw new ConfigError('TOKEN_ID', `Token id "${spec.id}" is used twice.`);
    const digest = digestToken(spec.token).toString('hex');
    if (digests.has(digest)) throw new ConfigError('TOKEN_REUSED', `Token "${spec.id}" repeats another token's secret.`);
    ids.add(spec.id);
    digests.add(digest);
    return spec;
  });
}

function validateSpec(entry: unknown, index: number): TokenSpec {
  if (typeof entry !== 'object' || entry === null) {
    throw new ConfigError('TOKEN_SHAPE', `Token #${index} must be an object { id, token, scopes }.`);
  }
  const { id, token, scopes } = entry as Record<string, unknown>;
  if (typeof id !== 'string' || !ID_PATTERN.test(id)) {
    throw new ConfigError('TOKEN_ID', `Token #${index}: id must be 1-64 characters of letters, digits, '_', '.' or '-'.`);
  }
  if (typeof token !== 'string' || token.length < MIN_TOKEN_LENGTH) {
    throw new ConfigError(
      'TOKEN_TOO_SHORT',
      `Token "${id}" must be a string of at least ${MIN_TOKEN_LENGTH} characters (${GENERATE_HINT}).`,
    );
  }
  const weakness = lowEntropy(token);
  if (weakness !== undefined) {
    // The message says what is wrong with it, never the token itself.
    throw new ConfigError('TOKEN_WEAK', `Token "${id}" is not random enough: ${weakness}. Use a random one: ${GENERATE_HINT}.`);
  }
  if (token.length > MAX_TOKEN_LENGTH || /[^\x21-\x7e]/.test(token)) {
    throw new ConfigError('TOKEN_CHARS', `Token "${id}" must be at most ${MAX_TOKEN_LENGTH} printable ASCII characters without spaces.`);
  }
  if (!Array.isArray(scopes) || scopes.length === 0) {
    throw new ConfigError('TOKEN_SCOPES', `Token "${id}" needs a non-empty scopes array (${SCOPES.join(', ')}).`);
  }
  for (const scope of scopes) {
    if (!SCOPES.includes(scope as Scope)) {
      throw new ConfigError('TOKEN_SCOPES', `Token "${id}" has unknown scope ${JSON.stringify(scope)}; known: ${SCOPES.join(', ')}.`);
    }
  }
  return { id, token, scopes: [...new Set(scopes as Scope[])] };
}

/**
 * Why a token of sufficient length is still guessable, or undefined. Length alone lets through
 * `aaaaaaaaaaaaaaaaaaaaaaaa` or `password1password1password1`; these are what a careless operator types.
 */
export function lowEntropy(token: string): string | undefined {
  const distinct = new Set(token).size;
  // A long hex token often lacks one of its 16 digits, yet carries far more than 128 bits: only a
  // small alphabet that also leaves the token short of 128 bits counts against it.
  if (distinct < MIN_DISTINCT_CHARACTERS && token.length * Math.log2(Math.max(distinct, 1)) < 128) {
    return `it has ${distinct} distinct characters (at least ${MIN_DISTINCT_CHARACTERS}, or a longer token, are needed)`;
  }
  const period = shortestPeriod(token);
  if (period <= token.length / 2) return `it repeats a pattern of ${period} characters`;
  if (longestRun(token) >= 8) return 'it contains a long run of consecutive characters (like abcdefgh or 12345678)';
  return undefined;
}

/** The smallest p with token[i] === token[i + p] everywhere (the token's length if there is none). */
function shortestPeriod(text: string): number {
  // Knuth-Morris-Pratt failure function: the longest proper border gives the period.
  const border = new Array<number>(text.length).fill(0);
  for (let i = 1, k = 0; i < text.length; i++) {
    while (k > 0 && text[i] !== text[k]) k = border[k - 1]!;
    if (text[i] === text[k]) k++;
    border[i] = k;
  }
  return text.length - border[text.length - 1]!;
}

/** Length of the longest run of characters whose codes go up or down by one at each step. */
function longestRun(text: string): number {
  let longest = 1;
  let run = 1;
  let step = 0;
  for (let i = 1; i < text.length; i++) {
    const delta = text.charCodeAt(i) - text.charCodeAt(i - 1);
    if ((delta === 1 || delta === -1) && (run === 1 || delta === step)) run++;
    else run = delta === 1 || delta === -1 ? 2 : 1;
    step = delta;
    longest = Math.max(longest, run);
  }
  return longest;
}

/**
 * Finds the record whose token matches. Every record is compared, always, with timingSafeEqual on
 * fixed-length digests: the time taken says nothing about which token, or how much of one, matched.
 */
export function findToken(records: readonly TokenRecord[], presented: string): TokenRecord | undefined {
  const digest = digestToken(presented);
  let found: TokenRecord | undefined;
  for (const record of records) {
    if (timingSafeEqual(record.digest, digest) && found === undefined) found = record;
  }
  return found;
}
