import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parentPort, workerData } from 'node:worker_threads';
import { PortCommandRunner } from '../commands/port-command-runner.js';
import { createEndpoint } from '../endpoint/create-endpoint.js';
import { adoptProcessLocks } from '../operations/process-locks.js';
import { InspectorSessionTarget } from '../targets/inspector-session-target.js';
import type { MainToWorker, WorkerInit, WorkerToMain } from './messages.js';

/**
 * The out-of-band server's thread. It owns its HTTP server, its audit log descriptor and an inspector
 * session on the main thread; after start-up it needs nothing from the main thread's event loop.
 */
const init = workerData as WorkerInit;
const port = parentPort!;
const post = (message: WorkerToMain) => port.postMessage(message);

adoptProcessLocks(init.locks);
const config = { ...init.config, tokens: init.config.tokens.map((token) => ({ ...token, digest: Buffer.from(token.digest) })) };
const target = InspectorSessionTarget.mainThread();
const commands = new PortCommandRunner(init.commandPort, init.commands);
const endpoint = createEndpoint({ target, config, probe: init.probe, dumpsDirectory: init.dumpsDirectory, commands });
const server: Server = createServer(endpoint.app(init.basePath));

server.once('error', (error: NodeJS.ErrnoException) => {
  post({ type: 'startFailed', code: error.code ?? 'ERR_LISTEN', message: error.message });
});
server.listen(init.port, init.host, () => {
  const address = server.address() as AddressInfo;
  post({ type: 'listening', port: address.port, address: address.address });
});

port.on('message', (message: MainToWorker) => {
  if (message.type !== 'close') return;
  server.close();
  server.closeAllConnections();
  // The worker does not track its descriptors (see start-maintenance-server.ts): the endpoint closes
  // what it opened, its audit log file included.
  endpoint.close();
  void target.close().finally(() => post({ type: 'closed' }));
});
