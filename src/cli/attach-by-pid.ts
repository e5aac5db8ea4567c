import { request } from 'node:http';
import { connect } from 'node:net';
import { CliError } from './cli-error.js';

/** What works when --pid cannot: a signal cannot choose the port the target's inspector opens on. */
export function targetAdvice(pid: number, inspectPort: number): string {
  return (
    `A signal cannot choose the port: process ${pid} opens its inspector on ${inspectPort} (or the --inspect-port it was started with). ` +
    'Start the app with --inspect=127.0.0.1:PORT on a free port instead, and serve it with --target 127.0.0.1:PORT.'
  );
}

/**
 * Opens the inspector of a running Node process that was started without one: the same signal as
 * `node inspect -p PID` (SIGUSR1 on POSIX, a remote thread on Windows, via process._debugProcess).
 * The target then listens on 127.0.0.1 at its inspect port (9229 unless it was started with
 * --inspect-port). Resolves with `true` once that port answers; with `false`, unsignalled, when an
 * inspector already answers there (the target's own, or another process's: the caller checks whose).
 * A port something else holds is refused before any signal: the target's inspector could not open,
 * and the target's log would fill with "address already in use".
 */
export async function openInspectorOf(pid: number, inspectPort: number, timeoutMs = 5000): Promise<boolean> {
  if (await answers(inspectPort)) return false;
  if (await listening(inspectPort)) {
    throw new CliError(`Port ${inspectPort} on 127.0.0.1 is taken by something other than an inspector, so process ${pid} was not signalled: its inspector could not open there. ${targetAdvice(pid, inspectPort)}`);
  }
  const debugProcess = (process as unknown as { _debugProcess?: (pid: number) => void })._debugProcess;
  try {
    if (debugProcess !== undefined) debugProcess(pid);
    else process.kill(pid, 'SIGUSR1');
  } catch (error) {
    throw new CliError(`Cannot signal process ${pid}: ${(error as Error).message}`);
  }
  const deadline = Date.now() + timeoutMs;
  while (!(await answers(inspectPort))) {
    if (Date.now() > deadline) throw new CliError(`Process ${pid} did not open its inspector on 127.0.0.1:${inspectPort} within ${timeoutMs / 1000} s.`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return true;
}

/** Whether anything accepts connections on the loopback port. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.setTimeout(500, () => socket.destroy());
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => {}); // refused: nothing listens; 'close' follows
    socket.once('close', () => resolve(false));
  });
}

function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/json/version', timeout: 500 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}
