/** What a command prints as its result: stdout holds the data (or, with --json, the raw JSON only). */
export function printJson(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

export function printLines(...lines: string[]): void {
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** Remarks for a person (progress, where a file went): stderr, so stdout stays parseable. */
export function note(text: string): void {
  process.stderr.write(`${text}\n`);
}
