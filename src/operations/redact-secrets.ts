export const REDACTED = '[REDACTED]';

/**
 * Names whose values are credentials: `--password`, `DB_PASS`, `api-key`, `--pw`, `jwt`, `Pwd` in a
 * connection string... Broad on purpose: redacting a harmless value costs nothing, missing one leaks it.
 */
const SECRET_NAME = /pass|pwd|(^|[^a-z])pw([^a-z]|$)|secret|token|key|auth|credential|session|cookie|signature|jwt|bearer|private|salt|otp|(^|[^a-z])pin([^a-z]|$)|sas|cert/i;

/** Short flags that take a password as their next word or glued to them: `mysql -p secret`, `-psecret`. */
const PASSWORD_SHORT_FLAGS = new Set(['-p', '-P', '-w', '-W', '-k', '-K']);

/** Arguments kept as they are: names of code files (the script, `--require ./x.js`) and plain numbers. */
const CODE_FILE = /^[\w@.~/\\-]+\.(?:[cm]?[jt]sx?|json|node)$/;
const NUMBER = /^\d{1,6}$/;

export function looksSecret(name: string): boolean {
  return SECRET_NAME.test(name);
}

/**
 * Removes credentials from free text: URL userinfo (up to the last `@`, since a password may hold `/`
 * or `@`), `name=value` / `name: value` pairs whose name looks secret (connection strings such as
 * `Server=db;Password=x`, query strings, JSON), and `Bearer`/`Basic` credentials.
 */
export function scrubText(text: string): string {
  return text
    .replace(/([a-z][a-z0-9+.-]*:\/\/)[^\s"'<>]*@/gi, `$1${REDACTED}@`)
    .replace(/\b(bearer|basic)\s+[^\s"',;]+/gi, `$1 ${REDACTED}`)
    .replace(
      /([A-Za-z0-9_.-]*)(["']?\s*[=:]\s*)(\{[^}]*\}?|"(?:[^"\\]|\\.)*"?|'[^']*'?|[^\s;&,"'}]+)/g,
      (whole, name: string, separator: string) => (name !== '' && looksSecret(name) ? `${name}${separator}${REDACTED}` : whole),
    );
}

/**
 * A command line with every value that can carry a credential redacted. Kept: the executable, flag
 * names, names of code files (the script), small numbers after a non-secret flag (`--port 8080`), and
 * arguments named in `allowed`. Redacted: the word after a secret-named flag or a password short flag
 * (`-p VALUE`, `--password VALUE`), values of `--secret-name=...`, glued `-pVALUE`, every other
 * positional argument (`-e` code, `KEY=value`, a password passed bare); the rest (`--db=URL`) is
 * scrubbed of URL userinfo and secret pairs.
 */
export function redactArguments(args: readonly string[], allowed: readonly string[] = []): string[] {
  const out: string[] = [];
  let endOfOptions = false;
  let next: 'secret' | 'flag-value' | undefined;
  args.forEach((arg, index) => {
    if (index === 0) return out.push(scrubText(arg));
    if (allowed.includes(arg)) {
      next = undefined;
      return out.push(arg);
    }
    const expecting = next;
    next = undefined;
    if (expecting === 'secret') return out.push(REDACTED);
    if (!endOfOptions && arg === '--') {
      endOfOptions = true;
      return out.push(arg);
    }
    if (!endOfOptions && /^-[^\d]/.test(arg)) return out.push(redactFlag(arg, (what) => (next = what)));
    if (CODE_FILE.test(arg) || (expecting === 'flag-value' && NUMBER.test(arg))) return out.push(arg);
    out.push(REDACTED);
  });
  return out;
}

function redactFlag(arg: string, expect: (what: 'secret' | 'flag-value') => void): string {
  // `-pVALUE`: a password glued to its short flag, whatever it holds (`=` included).
  const glued = /^(-[pPwWkK])(.+)$/.exec(arg);
  if (glued) return `${glued[1]}${REDACTED}`;
  const assignment = /^(-{1,2}[^=]*)=([\s\S]*)$/.exec(arg);
  if (assignment) return `${assignment[1]}=${looksSecret(assignment[1]!) ? REDACTED : scrubText(assignment[2]!)}`;
  if (PASSWORD_SHORT_FLAGS.has(arg) || looksSecret(arg)) {
    expect('secret');
    return arg;
  }
  expect('flag-value');
  return scrubText(arg);
}

/**
 * A deep copy of Node's diagnostic report with every credential-carrying value redacted: environment
 * values, command lines (`commandLine`, `execArgv`, `argv`, also in each worker's report), and secrets
 * in any other string of any section.
 */
export function redactReport(report: Record<string, any>, allowed: readonly string[] = []): Record<string, any> {
  return redactValue(report, undefined, allowed) as Record<string, any>;
}

function redactValue(value: unknown, key: string | undefined, allowed: readonly string[]): unknown {
  if (typeof value === 'string') return scrubText(value);
  if (Array.isArray(value)) {
    if (key !== undefined && /^(commandLine|execArgv|argv)$/.test(key) && value.every((entry) => typeof entry === 'string')) {
      return redactArguments(value, allowed);
    }
    return value.map((entry) => redactValue(entry, undefined, allowed));
  }
  if (typeof value === 'object' && value !== null) {
    const copy: Record<string, unknown> = {};
    for (const [name, entry] of Object.entries(value)) {
      if (name === 'environmentVariables' && typeof entry === 'object' && entry !== null) {
        copy[name] = Object.fromEntries(Object.keys(entry).map((variable) => [variable, REDACTED]));
      } else {
        copy[name] = redactValue(entry, name, allowed);
      }
    }
    return copy;
  }
  return value;
}
