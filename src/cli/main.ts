#!/usr/bin/env node
/**
 * maintenance-endpoint: serve the maintenance API for another Node process (a sidecar), or talk to a
 * running endpoint. `maintenance-endpoint help` lists the commands; each answers --help.
 */
import { analyzeCommand } from './analyze-command.js';
import { cpuprofileCommand, heapprofileCommand, heapsnapshotCommand } from './artifact-commands.js';
import { CliError } from './cli-error.js';
import type { Command } from './command-spec.js';
import { commandCommand } from './command-command.js';
import { dumpsCommand } from './dumps-command.js';
import { replCommand } from './repl-command.js';
import { HELP_REQUESTED, parseCommandLine } from './parse-command-line.js';
import { gcCommand, indexCommand, leaksCommand, memoryCommand, metricsCommand, reportCommand, stackCommand, threadsCommand, whoamiCommand } from './read-commands.js';
import { rulesCommand } from './rules-command.js';
import { serveCommand } from './serve-command.js';
import { commandUsage, PROGRAM, programUsage } from './usage.js';

/** Every command, in the order `help` lists them: a new command is one more line here. */
const COMMANDS: readonly Command[] = [
  serveCommand,
  indexCommand,
  heapsnapshotCommand,
  cpuprofileCommand,
  heapprofileCommand,
  stackCommand,
  memoryCommand,
  threadsCommand,
  leaksCommand,
  gcCommand,
  reportCommand,
  metricsCommand,
  whoamiCommand,
  dumpsCommand,
  rulesCommand,
  replCommand,
  commandCommand,
  analyzeCommand,
];

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    process.stderr.write(programUsage(COMMANDS));
    return 2;
  }
  if (name === 'help' || name === '--help' || name === '-h') {
    const topic = rest[0];
    if (topic === undefined) {
      process.stdout.write(programUsage(COMMANDS));
      return 0;
    }
    process.stdout.write(commandUsage(find(topic)));
    return 0;
  }
  if (name === '--version' || name === '-v') {
    const { packageInfo } = await import('../package-info.js');
    process.stdout.write(`${packageInfo.version}\n`);
    return 0;
  }
  const command = find(name);
  const input = parseCommandLine(command, rest);
  if (input === HELP_REQUESTED) {
    process.stdout.write(commandUsage(command));
    return 0;
  }
  return command.run(input);
}

function find(name: string): Command {
  const command = COMMANDS.find((c) => c.name === name);
  if (command === undefined) throw new CliError(`unknown command "${name}".\n\n${programUsage(COMMANDS)}`, 2);
  return command;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`${PROGRAM}: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = error instanceof CliError ? error.exitCode : 1;
  },
);
