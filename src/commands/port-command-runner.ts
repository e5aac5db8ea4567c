import type { MessagePort } from 'node:worker_threads';
import { MaintenanceError } from '../errors.js';
import type { CommandInfo, ResolvedCommand } from '../options/command-options.js';
import { withinLimit, type CommandRunner } from './command-runner.js';
import { LocalCommandRunner } from './local-command-runner.js';
import { contained } from '../contained.js';

type Request = { id: number; name: string; parameters: Record<string, unknown> };
type Reply = { id: number; ok: true; result: unknown } | { id: number; ok: false; code: 'COMMAND_FAILED' | 'NOT_FOUND'; message: string };

/**
 * The main thread's side of the bridge: runs the commands the server's worker asks for. It answers
 * only when the main thread's event loop turns; the port does not keep the process alive.
 */
export function serveCommandsOnPort(port: MessagePort, commands: readonly ResolvedCommand[]): void {
  const local = new LocalCommandRunner(commands);
  port.on('message', contained('a command for the server thread', (request: Request) => {
    local.runNow(request.name, request.parameters).then(
      (result) => port.postMessage({ id: request.id, ok: true, result } satisfies Reply),
      (error: unknown) => {
        const known = error instanceof MaintenanceError && (error.code === 'COMMAND_FAILED' || error.code === 'NOT_FOUND');
        port.postMessage({ id: request.id, ok: false, code: known ? (error.code as 'COMMAND_FAILED' | 'NOT_FOUND') : 'COMMAND_FAILED', message: known ? error.message : 'The command failed.' } satisfies Reply);
      },
    );
  }));
  port.unref();
}

/**
 * The worker's side: a command's function lives on the app's main thread, so the worker asks there
 * and waits, within the command's limit. While the app's loop is blocked nothing can answer.
 */
export class PortCommandRunner implements CommandRunner {
  readonly commands: readonly CommandInfo[];
  readonly #port: MessagePort;
  readonly #pending = new Map<number, (reply: Reply) => void>();
  #nextId = 1;

  constructor(port: MessagePort, commands: readonly CommandInfo[]) {
    this.commands = commands;
    this.#port = port;
    port.on('message', (reply: Reply) => {
      this.#pending.get(reply.id)?.(reply);
      this.#pending.delete(reply.id);
    });
    port.unref();
  }

  run(command: CommandInfo, parameters: Record<string, unknown>): Promise<unknown> {
    const id = this.#nextId++;
    const answered = new Promise<unknown>((resolve, reject) => {
      this.#pending.set(id, (reply) => (reply.ok ? resolve(reply.result) : reject(new MaintenanceError(reply.code, reply.message))));
    });
    this.#port.postMessage({ id, name: command.name, parameters } satisfies Request);
    return withinLimit(
      command,
      () => answered,
      `Command "${command.name}" did not answer within ${command.timeoutMs} ms: it runs on the app's main thread, whose event loop may be blocked; it may still run once the loop turns.`,
    ).finally(() => this.#pending.delete(id));
  }
}
