import { CliError } from './cli-error.js';
import { CONNECTION_OPTIONS } from './client-options.js';
import { defineCommand } from './command-spec.js';
import { resolveEndpoint } from './endpoint-client.js';
import { describeError, requestJson } from './json-client.js';

interface CommandListing {
  name: string;
  description: string;
  scope: string;
  parameters: Record<string, { type: string; description?: string; required?: boolean; enum?: string[] }>;
}

/**
 * `maintenance-endpoint command [NAME] [--param KEY=VALUE]... --url BASE`: lists the app's commands, or
 * runs one. Values are typed by what the command declares (`--param ttl=60` sends the number 60).
 */
export const commandCommand = defineCommand({
  name: 'command',
  summary: "List the app's own maintenance commands, or run one with typed parameters.",
  arguments: '[NAME]',
  positionals: { min: 0, max: 1 },
  options: {
    ...CONNECTION_OPTIONS,
    param: { type: 'string', value: 'KEY=VALUE', multiple: true, help: "a parameter of the command, typed by what it declares (repeat for more)" },
  },
  run: ({ values, positionals }) => runCommand(values as Parameters<typeof runCommand>[0], positionals),
});

async function runCommand(values: { url?: string | undefined; 'token-file'?: string | undefined; param?: string[] | undefined }, positionals: string[]): Promise<number> {
  const { base, token } = resolveEndpoint(values);
  const listing = await requestJson(base, '/commands', token);
  if (listing.status !== 200) throw new CliError(describeError(listing), listing.status === 400 ? 2 : 1);
  const commands = listing.body.commands as CommandListing[];
  const [name] = positionals;
  if (name === undefined) {
    // Said, not left blank: an empty output reads like a failure (as `rules` says it has none).
    if (commands.length === 0) process.stdout.write('No app commands (the app declares none: the `commands` option).\n');
    for (const command of commands) {
      const parameters = Object.entries(command.parameters).map(([key, spec]) => `${spec.required ? '' : '['}--param ${key}=${spec.enum?.join('|') ?? spec.type}${spec.required ? '' : ']'}`);
      process.stdout.write(`${command.name}  ${command.description} (scope ${command.scope})${parameters.length ? `\n    ${parameters.join(' ')}` : ''}\n`);
    }
    return 0;
  }
  const command = commands.find((candidate) => candidate.name === name);
  if (command === undefined) throw new CliError(`No command "${name}"; the app has: ${commands.map((candidate) => candidate.name).join(', ') || 'none'}.`);
  const parameters = Object.fromEntries((values.param ?? []).map((pair) => typedParameter(command, pair)));
  const reply = await requestJson(base, `/commands/${encodeURIComponent(name)}`, token, { parameters });
  // README's exit codes: a parameter the endpoint refused (400) is a usage error, like every command's.
  if (reply.status !== 200) throw new CliError(describeError(reply), reply.status === 400 ? 2 : 1);
  process.stdout.write(`${JSON.stringify(reply.body.result, null, 2)}\n`);
  return 0;
}

function typedParameter(command: CommandListing, pair: string): [string, unknown] {
  const at = pair.indexOf('=');
  if (at <= 0) throw new CliError(`--param takes KEY=VALUE, not "${pair}".`, 2);
  const key = pair.slice(0, at);
  const raw = pair.slice(at + 1);
  const type = command.parameters[key]?.type;
  // Unknown keys go as strings: the server names them in its 400.
  if (type === 'number' || type === 'integer') return [key, raw.trim() === '' ? raw : Number(raw)];
  if (type === 'boolean') return [key, raw === 'true' ? true : raw === 'false' ? false : raw];
  return [key, raw];
}
