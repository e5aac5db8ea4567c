import { MaintenanceError } from '../errors.js';
import { commandInfo, type CommandInfo, type ResolvedCommand } from '../options/command-options.js';
import { failureMessage, jsonResult, withinLimit, type CommandRunner } from './command-runner.js';

/** Runs a command on this thread: router mode, and the main thread's side of the worker's bridge. */
export class LocalCommandRunner implements CommandRunner {
  readonly commands: readonly CommandInfo[];
  readonly #functions: Map<string, ResolvedCommand['run']>;

  constructor(commands: readonly ResolvedCommand[]) {
    this.commands = commands.map(commandInfo);
    this.#functions = new Map(commands.map((command) => [command.name, command.run]));
  }

  run(command: CommandInfo, parameters: Record<string, unknown>): Promise<unknown> {
    return withinLimit(command, () => this.runNow(command.name, parameters), `Command "${command.name}" did not answer within ${command.timeoutMs} ms; it may still finish.`);
  }

  /** Runs without a limit of its own (the worker's side keeps the time). */
  async runNow(name: string, parameters: Record<string, unknown>): Promise<unknown> {
    const run = this.#functions.get(name);
    if (run === undefined) throw new MaintenanceError('NOT_FOUND', `No command "${name}".`);
    let result: unknown;
    try {
      result = await run(parameters);
    } catch (error) {
      throw new MaintenanceError('COMMAND_FAILED', `Command "${name}" failed: ${failureMessage(error)}`);
    }
    return jsonResult(result);
  }
}
