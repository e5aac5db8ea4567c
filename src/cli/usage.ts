import { HELP_OPTION, type Command, type OptionSpec } from './command-spec.js';

export const PROGRAM = 'maintenance-endpoint';

/** `maintenance-endpoint COMMAND --help`: the synopsis, description, options and examples of one command. */
export function commandUsage(command: Command): string {
  const options = { ...command.options, help: HELP_OPTION };
  const flags = Object.entries(options).map(([name, spec]) => ({ flag: flagText(name, spec), spec }));
  const width = Math.max(...flags.map((f) => f.flag.length));
  const lines = [`Usage: ${PROGRAM} ${command.name}${command.arguments ? ` ${command.arguments}` : ''} [options]`, '', `  ${command.summary}`];
  for (const paragraph of command.description ?? []) lines.push('', ...wrap(paragraph, 2));
  lines.push('', 'Options:');
  for (const { flag, spec } of flags) {
    const help = spec.default !== undefined ? `${spec.help} (default ${spec.default})` : spec.help;
    lines.push(`  ${flag.padEnd(width)}  ${help}`);
  }
  if (command.examples?.length) lines.push('', 'Examples:', ...command.examples.map((example) => `  ${example}`));
  return `${lines.join('\n')}\n`;
}

/** `maintenance-endpoint help`: every command with its one-line summary, and the conventions they share. */
export function programUsage(commands: readonly Command[]): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return `Usage: ${PROGRAM} COMMAND [options]

Commands:
${commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}

${PROGRAM} help COMMAND (or COMMAND --help) shows a command's options.

Client commands talk to a running endpoint: --url BASE (or MAINTENANCE_ENDPOINT_URL) is its base URL,
the one its index answers at, e.g. http://127.0.0.1:9464/ops. The token comes from --token-file FILE or
MAINTENANCE_ENDPOINT_TOKEN, never from the command line (ps would show it). --json prints JSON on stdout
and nothing else there: the endpoint's own answer, or for a download {file, bytes, wireBytes}.

Exit status: 0 done; 1 the operation failed (unreachable, refused, timed out, download cut);
2 a usage error (unknown command or option, missing --url or token, a parameter the endpoint rejected with 400).
`;
}

function flagText(name: string, spec: OptionSpec): string {
  const long = `--${name}${spec.type === 'string' ? ` ${spec.value ?? 'VALUE'}` : ''}`;
  return spec.short ? `-${spec.short}, ${long}` : `    ${long}`;
}

function wrap(text: string, indent: number, width = 100): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line !== '' && line.length + word.length + 1 > width - indent) {
      lines.push(' '.repeat(indent) + line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  if (line !== '') lines.push(' '.repeat(indent) + line);
  return lines;
}
