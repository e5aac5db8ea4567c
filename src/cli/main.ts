#!/usr/bin/env node
/**
 * maintenance-endpoint: serve the maintenance API for another Node process (a sidecar), or fetch an
 * artifact from a running endpoint. `maintenance-endpoint help` lists the commands.
 */
import { runClientCommand, CLIENT_COMMANDS } from './client-command.js';
import { CliError } from './cli-error.js';
import { runCommandCommand } from './command-command.js';
import { runReplCommand } from './repl-command.js';
import { runServeCommand } from './serve-command.js';

const USAGE = `Usage:
  maintenance-endpoint serve (--target HOST:PORT | --pid PID [--inspect-port PORT])
                             [--port PORT] [--host HOST] [--base-path /ops] [--tokens-file FILE] [--audit-log PATH]
                             [--tls-key FILE --tls-cert FILE [--tls-ca FILE [--tls-request-client-cert]]]
                             [--allow-insecure-remote] [--egress-config FILE]
      Serve the maintenance API for another Node process through its inspector.
      Tokens: --tokens-file (JSON, chmod 600) or MAINTENANCE_ENDPOINT_TOKENS. A --host other than loopback
      needs TLS (--tls-*), or --allow-insecure-remote behind a TLS proxy on the same host.
      Uploads (?egress=NAME): --egress-config, the egress option as JSON (chmod 600: it may hold keys).

  maintenance-endpoint heapsnapshot|cpuprofile|heapprofile --url BASE [--seconds N] [--format F] [-o FILE]
  maintenance-endpoint stack|memory --url BASE
      Fetch from a running endpoint.

  maintenance-endpoint repl --url BASE [--timeout MS] [--depth N]
      A read-only REPL into the app's main thread (needs the app's eval option and an eval token).
  maintenance-endpoint command [NAME [--param KEY=VALUE]...] --url BASE
      List the app's own commands, or run one. The token comes from --token-file FILE or
      MAINTENANCE_ENDPOINT_TOKEN, never from the command line (where ps would show it).
`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    process.stdout.write(USAGE);
    return command === undefined ? 2 : 0;
  }
  if (command === 'serve') return runServeCommand(rest);
  if (command === 'repl') return runReplCommand(rest);
  if (command === 'command') return runCommandCommand(rest);
  if ((CLIENT_COMMANDS as readonly string[]).includes(command)) return runClientCommand(command as (typeof CLIENT_COMMANDS)[number], rest);
  throw new CliError(`Unknown command "${command}".\n\n${USAGE}`, 2);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`maintenance-endpoint: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = error instanceof CliError ? error.exitCode : 1;
  },
);
