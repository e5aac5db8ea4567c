import { parentPort, threadId, workerData } from 'node:worker_threads';
import { PortCommandRunner } from '../commands/port-command-runner.js';
import { reportContained } from '../contained.js';
import { useAppServiceName } from '../egress/object-key.js';
import { actsWithoutRequests } from '../endpoint/acts-without-requests.js';
import type { Endpoint } from '../endpoint/create-endpoint.js';
import { lazyListener } from '../endpoint/lazy-listener.js';
import { startServices } from '../endpoint/start-services.js';
import { AuditLogger } from '../log/audit-logger.js';
import { adoptProcessLocks } from '../operations/process-locks.js';
import { createOpsServer, listenOpsServer } from '../server/listen.js';
import { serverEvents, startWarnings } from '../server/server-audit.js';
import { InspectorSessionTarget } from '../targets/inspector-session-target.js';
import { collectStartUpGarbage } from './start-up-garbage.js';
import type { MainToWorker, WorkerInit, WorkerToMain } from './messages.js';

/**
 * The out-of-band server's thread. It owns its HTTP server, its audit log descriptor and an inspector
 * session on the main thread; after start-up it needs nothing from the main thread's event loop.
 */
const init = workerData as WorkerInit;
const port = parentPort!;
const post = (message: WorkerToMain) => port.postMessage(message);

adoptProcessLocks(init.locks);
useAppServiceName(init.service);
const config = { ...init.config, tokens: init.config.tokens.map((token) => ({ ...token, digest: Buffer.from(token.digest) })) };
const target = InspectorSessionTarget.mainThread();
const log = new AuditLogger(config.auditLog);
const warnings = startWarnings(init.host, init.security, log);
const commands = new PortCommandRunner(init.commandPort, init.commands);
// What must run from the start whether or not anybody calls (the probe's feed, the leak history, the live
// history, the GC durations of /metrics) starts here; the endpoint around it (the scheduler, the operations,
// the rules, the recorder and their modules, about half of what this thread would load) is built on the first
// request, as router mode does, or at once when a feature that acts without requests is configured. Fewer
// modules loaded at idle keep the loader's path functions below the count at which V8 compiles them with
// TurboFan, whose first compilation touches megabytes of the node binary (docs/memory.md).
const started = startServices({ target, probe: init.probe, config, ownThreadIds: [threadId] });
let endpoint: Promise<Endpoint> | undefined;
const loadEndpoint = () => {
  if (endpoint !== undefined) return endpoint;
  endpoint = import('../endpoint/create-endpoint.js').then(({ createEndpoint }) =>
    createEndpoint({ target, config, log, probe: init.probe, dumpsDirectory: init.dumpsDirectory, warnings, commands, httpWatch: init.httpWatch, ownThreadIds: [threadId], started }),
  );
  // A failure to build surfaces on the first request, as a 500 the lazy listener logs.
  endpoint.catch(() => {});
  return endpoint;
};
// Awaited, so that a failure to build it fails the worker's start, as it did when it was built at once.
if (actsWithoutRequests(config)) await loadEndpoint();
// Once the first request has loaded the HTTP stack, the garbage of that load is collected too.
const listener = lazyListener(async () => (await loadEndpoint()).requestListener(init.basePath, collectStartUpGarbage), (failure) => log.error('request failed', failure));
const server = createOpsServer(listener, init.security, serverEvents(log));

// This thread runs only the endpoint: an error of ours that escaped every guard (the timers and listeners
// are contained one by one) is logged and the server goes on serving. Without this the thread would end
// at the first one, EMFILE while the app is out of descriptors, and the endpoint would never answer again.
process.on('uncaughtException', (error) => {
  log.error('error in the server thread, contained', { error: error.message });
  reportContained('the server thread', error);
});
process.on('unhandledRejection', (reason) => {
  log.error('error in the server thread, contained', { error: reason instanceof Error ? reason.message : String(reason) });
  reportContained('the server thread', reason);
});

listenOpsServer(server, init.port, init.host, serverEvents(log)).then(
  (address) => {
    post({ type: 'listening', port: address.port, address: address.address });
    collectStartUpGarbage();
  },
  (error: NodeJS.ErrnoException) => post({ type: 'startFailed', code: error.code ?? 'ERR_LISTEN', message: error.message }),
);

port.on('message', (message: MainToWorker) => {
  if (message.type === 'detach') {
    void target.close();
    Atomics.store(init.detached, 0, 1);
    Atomics.notify(init.detached, 0);
    return;
  }
  // Once the server has closed (its last summaries, such as refused TLS handshakes, are then written),
  // the endpoint closes what it opened, its audit log file included: the worker does not track its
  // descriptors (see start-maintenance-server.ts).
  server.close(() => {
    // Without an endpoint (never built, or its build failed), what it would close is closed here.
    const closeUnbuilt = () => {
      started.close();
      log.close();
    };
    void (endpoint === undefined ? Promise.resolve(closeUnbuilt()) : endpoint.then((built) => built.close(), closeUnbuilt))
      .then(() => target.close())
      .finally(() => post({ type: 'closed' }));
  });
  server.closeAllConnections();
});
