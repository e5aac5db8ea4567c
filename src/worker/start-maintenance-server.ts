import { MessageChannel, Worker } from 'node:worker_threads';
import { serveCommandsOnPort } from '../commands/port-command-runner.js';
import { commandInfo, resolveCommands } from '../options/command-options.js';
import { contained } from '../contained.js';
import { appServiceName } from '../egress/object-key.js';
import { ConfigError } from '../errors.js';
import { checkOptionNames, MAINTENANCE_OPTION_NAMES, type OptionNames } from '../options/option-names.js';
import { checkConfiguredRules } from '../rules/check-configured-rules.js';
import { watchHttp } from '../probe/http-watch.js';
import { positiveInteger, resolveBasePath, resolveConfig, type MaintenanceOptions } from '../options/resolve-options.js';
import { processLocks, releaseAllHeldBy } from '../operations/process-locks.js';
import { acquireMainThreadProbe } from '../probe/main-thread-probe.js';
import { DumpStore } from '../scheduling/dump-store.js';
import { removeRecordingAtProcessEnd } from '../recorder/recording-file.js';
import { opsUrl } from '../server/ops-url.js';
import { resolveServerSecurity, SERVER_SECURITY_OPTION_NAMES, type ServerSecurityOptions } from '../server/server-options.js';
import type { MainToWorker, WorkerInit, WorkerToMain } from './messages.js';

export interface MaintenanceServerOptions extends MaintenanceOptions, ServerSecurityOptions {
  /** TCP port; 0 (the default) picks a free one, reported in the result. */
  port?: number;
  /** Interface to listen on. Default `127.0.0.1`: reachable from this machine only. */
  host?: string;
  /** Path prefix of the API. Default `/ops`. */
  basePath?: string;
  /**
   * What a failure to listen (the port taken, an address not on this machine) does: `'throw'` (the
   * default) rejects with the listen error; `'warn'` emits a process warning and resolves with
   * `undefined`, so an app that awaits the endpoint keeps running without it.
   */
  onListenError?: 'throw' | 'warn';
}

const SERVER_OPTION_NAMES: OptionNames<MaintenanceServerOptions> = { ...MAINTENANCE_OPTION_NAMES, ...SERVER_SECURITY_OPTION_NAMES, port: true, host: true, basePath: true, onListenError: true };

export interface MaintenanceServer {
  /** Base URL of the API, e.g. `http://127.0.0.1:41234/ops` (https with `tls`). */
  url: string;
  port: number;
  /** Stops the server and its thread and frees everything it holds. Safe to call more than once. */
  close(): Promise<void>;
}

const CLOSE_GRACE_MS = 5_000;
/**
 * The server thread's young generation. V8 sizes it for throughput (it grows to 16 MB and more while
 * the thread loads its modules, and stays committed); an endpoint that mostly idles pays that in
 * resident memory for nothing. 2 MB keeps an idle server about 6 MB lighter. Snapshot chunks, gzip and
 * uploads are buffers, outside it; parsing a large CPU profile here is about 1.5x slower, off the app's thread.
 */
const WORKER_YOUNG_GENERATION_MB = 2;
const DETACH_WAIT_MS = 500;

/**
 * Starts the maintenance API out of band: an HTTP server in its own worker thread, on its own port,
 * reaching the app's main thread through the inspector. It keeps answering while the app's event loop
 * is blocked, and requests to it never run on the app's thread. The worker does not keep the process
 * alive. Rejects with a ConfigError on bad options, and with the listen error (EADDRINUSE...) if it
 * cannot listen unless `onListenError: 'warn'`, which warns and resolves with undefined instead.
 */
export function startMaintenanceServer(options: MaintenanceServerOptions & { onListenError: 'warn' }): Promise<MaintenanceServer | undefined>;
export function startMaintenanceServer(options: MaintenanceServerOptions & { onListenError?: 'throw' }): Promise<MaintenanceServer>;
export function startMaintenanceServer(options: MaintenanceServerOptions): Promise<MaintenanceServer | undefined>;
export async function startMaintenanceServer(options: MaintenanceServerOptions): Promise<MaintenanceServer | undefined> {
  checkOptionNames(options, SERVER_OPTION_NAMES);
  const onListenError = options.onListenError ?? 'throw';
  if (onListenError !== 'throw' && onListenError !== 'warn') throw new ConfigError('OPTION_TYPE', "`onListenError` must be 'throw' or 'warn'.");
  const config = resolveConfig(options);
  if (config.rateLimit.keyGenerator !== undefined) {
    throw new ConfigError('OPTION_TYPE', '`rateLimit.keyGenerator` is for router mode; behind a proxy, the out-of-band server takes `trustProxy`.');
  }
  // Checked here too, so a mistake rejects as a ConfigError before the worker starts.
  checkConfiguredRules(config, { offMainThread: true, probe: true, ownProcess: true, http: true });
  const commands = resolveCommands(options.commands);
  const host = options.host ?? '127.0.0.1';
  const port = options.port === 0 || options.port === undefined ? 0 : positiveInteger('port', options.port, 0);
  if (port > 65535) throw new ConfigError('OPTION_RANGE', '`port` must be from 0 to 65535.');
  const basePath = resolveBasePath(options.basePath);
  const security = resolveServerSecurity(host, options, config.maxProfileSeconds);
  const probe = acquireMainThreadProbe();
  const dumps = DumpStore.createDirectoryRemovedAtExit(config.dumps.directory, config.tmpdir, config.dumps.storeDir);
  removeRecordingAtProcessEnd(config);
  const httpWatch = watchHttp(config.rules);
  const detached = new Int32Array(new SharedArrayBuffer(4));
  // The commands' functions stay here, on the app's thread; the worker asks for them over this channel.
  const channel = new MessageChannel();
  serveCommandsOnPort(channel.port1, commands);
  const init: WorkerInit = {
    config,
    host,
    port,
    basePath,
    locks: processLocks(),
    probe: probe.handle,
    dumpsDirectory: dumps.directory,
    detached,
    security,
    commands: commands.map(commandInfo),
    commandPort: channel.port2,
    service: appServiceName(),
    httpWatch: httpWatch?.handle,
  };
  // trackUnmanagedFds off: the heap snapshot pipe is opened with fs.openSync and then owned (and closed)
  // by a net.Socket, which Node's fd tracking never sees close; it would warn on every reuse of the
  // number. The worker closes what it opens itself.
  const worker = new Worker(new URL('./maintenance-worker.js', import.meta.url), {
    workerData: init,
    transferList: [channel.port2],
    stdout: false,
    trackUnmanagedFds: false,
    resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB },
  });
  // A session still attached to the main thread when the process exits makes Node print "Waiting for
  // the debugger to disconnect..." on the app's stderr: have the worker let go first (briefly waited for).
  const detach = () => {
    worker.postMessage({ type: 'detach' } satisfies MainToWorker);
    Atomics.wait(detached, 0, 0, DETACH_WAIT_MS);
  };
  process.once('exit', detach);
  // On the app's thread: removing the store can fail (EMFILE while the app is out of descriptors), and must not end the app.
  worker.once(
    'exit',
    contained('the server thread cleanup', () => {
      process.off('exit', detach);
      channel.port1.close();
      probe.release();
      httpWatch?.stop();
      dumps.dispose();
    }),
  );
  const workerThreadId = worker.threadId;
  worker.on('exit', contained('the server thread cleanup', () => releaseAllHeldBy(workerThreadId)));

  let listening: { port: number };
  try {
    listening = await listen(worker, host, port);
  } catch (error) {
    if (onListenError === 'throw' || (error as NodeJS.ErrnoException).code === undefined) throw error;
    // First, do no harm: the app goes on without its endpoint, and says so once.
    process.emitWarning(`maintenance-endpoint is not serving: ${(error as Error).message}`, { type: 'MaintenanceEndpointWarning', code: (error as NodeJS.ErrnoException).code });
    return undefined;
  }
  worker.removeAllListeners('error');
  worker.on('error', (error) => process.emitWarning(`maintenance-endpoint server thread failed: ${error.message}`, 'MaintenanceEndpointWarning'));
  worker.unref();

  let closing: Promise<void> | undefined;
  return {
    url: opsUrl(host, listening.port, basePath, security.tls !== undefined),
    port: listening.port,
    close: () => (closing ??= closeWorker(worker)),
  };
}

/** Resolves once the server thread listens; rejects with the listen error (its `code` kept) or the thread's failure. */
function listen(worker: Worker, host: string, port: number): Promise<{ port: number }> {
  return new Promise<{ port: number }>((resolve, reject) => {
    const onMessage = (message: WorkerToMain) => {
      if (message.type === 'listening') resolve(message);
      if (message.type === 'startFailed') {
        void worker.terminate();
        reject(Object.assign(new Error(`Maintenance server cannot listen on ${host}:${port}: ${message.message}`), { code: message.code }));
      }
    };
    worker.on('message', onMessage);
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`Maintenance server thread exited during start-up (code ${code})`)));
  });
}

async function closeWorker(worker: Worker): Promise<void> {
  worker.ref(); // the caller awaits this close: keep the loop alive until the thread has stopped
  const closed = new Promise<void>((resolve) => {
    worker.on('message', (message: WorkerToMain) => message.type === 'closed' && resolve());
    worker.once('exit', () => resolve());
  });
  worker.postMessage({ type: 'close' } satisfies MainToWorker);
  await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, CLOSE_GRACE_MS).unref())]);
  await worker.terminate();
}
