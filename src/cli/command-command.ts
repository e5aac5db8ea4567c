import { parseArgs } from 'node:util';
import { CliError } from './cli-error.js';
import { readToken } from './client-command.js';
import { describeError, requestJson } from './endpoint-client.js';

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
export async function runCommandCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { url: { type: 'string' }, 'token-file': { type: 'string' }, param: { type: 'string', multiple: true } },
    allowPositionals: true,
    strict: true,
  });
  if (values.url === undefined) throw new CliError('--url BASE is required, e.g. --url http://127.0.0.1:41234/ops.', 2);
  const token = readToken(values['token-file']);
  const listing = await requestJson(values.url, '/commands', token);
  if (listing.status !== 200) throw new CliError(describeError(listing));
  const commands = listing.body.commands as CommandListing[];
  const [name] = positionals;
  if (name === undefined) {
    for (const command of commands) {
      const parameters = Object.entries(command.parameters).map(([key, spec]) => `${spec.required ? '' : '['}--param ${key}=${spec.enum?.join('|') ?? spec.type}${spec.required ? '' : ']'}`);
      process.stdout.write(`${command.name}  ${command.description} (scope ${command.scope})${parameters.length ? `\n    ${parameters.join(' ')}` : ''}\n`);
    }
    return 0;
  }
  const command = commands.find((candidate) => candidate.name === name);
  if (command === undefined) throw new CliError(`No command "${name}"; the app has: ${commands.map((candidate) => candidate.name).join(', ') || 'none'}.`);
  const parameters = Object.fromEntries((values.param ?? []).map((pair) => typedParameter(command, pair)));
  const reply = await requestJson(values.url, `/commands/${encodeURIComponent(name)}`, token, { parameters });
  if (reply.status !== 200) throw new CliError(describeError(reply));
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
