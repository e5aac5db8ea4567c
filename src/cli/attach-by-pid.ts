import { request } from 'node:http';
import { CliError } from './cli-error.js';

/**
 * Opens the inspector of a running Node process that was started without one: the same signal as
 * `node inspect -p PID` (SIGUSR1 on POSIX, a remote thread on Windows, via process._debugProcess).
 * The target then listens on 127.0.0.1 at its inspect port (9229 unless it was started with
 * --inspect-port). Resolves once that port answers.
 */
export async function openInspectorOf(pid: number, inspectPort: number, timeoutMs = 5000): Promise<void> {
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
