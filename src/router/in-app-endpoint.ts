import { LocalCommandRunner } from '../commands/local-command-runner.js';
import { resolveCommands } from '../options/command-options.js';
import { actsWithoutRequests } from '../endpoint/acts-without-requests.js';
import { ConfigError } from '../errors.js';
import { checkOptionNames, type OptionShape } from '../options/option-names.js';
import { resolveConfig, type MaintenanceOptions, type ResolvedConfig } from '../options/resolve-options.js';
import { acquireMainThreadProbe } from '../probe/main-thread-probe.js';
import { DumpStore } from '../scheduling/dump-store.js';
import { removeRecordingAtProcessEnd } from '../recorder/recording-file.js';
import { checkConfiguredRules } from '../rules/check-configured-rules.js';
import { watchHttp } from '../probe/http-watch.js';

export type InAppEndpoint = Awaited<ReturnType<typeof import('./router-endpoint.js').routerEndpoint>>;

/**
 * What both in-app entries (maintenanceRouter() in an Express app, maintenanceRequestHandler() in a plain
 * node:http app) start on the app's thread: the options checked by name and resolved (tokens required), the
 * probe, the dump store's directory, and the services that run from the start (start-services.ts), imported in
 * the background. The endpoint itself is built by `load()`, on the first request, or at once when a feature
 * that acts without requests is configured (acts-without-requests.ts). Throws a ConfigError on
 * bad options, at once. `names` are the options the entry takes.
 */
export function startInAppEndpoint(options: MaintenanceOptions, names: OptionShape): { config: ResolvedConfig; load: () => Promise<InAppEndpoint> } {
  checkOptionNames(options, names);
  if (options?.healthProbes !== undefined) {
    throw new ConfigError(
      'INVALID_OPTIONS',
      "`healthProbes` needs startMaintenanceServer(): in router mode they would be answered by the app's own thread, the one they are meant to judge.",
    );
  }
  const config = resolveConfig(options);
  // Here, before anything starts: the endpoint itself is built on the first request.
  checkConfiguredRules(config, { offMainThread: false, probe: true, ownProcess: true, http: true });
  // The probe runs for the life of the process once an in-app endpoint is made: it has no close().
  const probe = acquireMainThreadProbe().handle;
  const { directory } = DumpStore.createDirectoryRemovedAtExit(config.dumps.directory, config.tmpdir, config.dumps.storeDir);
  removeRecordingAtProcessEnd(config);
  // Imported in the background, not with the package: an app that runs worker mode never loads them in its thread.
  const services = Promise.all([import('../targets/inspector-session-target.js'), import('../endpoint/start-services.js')]).then(([{ InspectorSessionTarget }, { startServices }]) =>
    startServices({ target: InspectorSessionTarget.sameThread(), probe, config }),
  );
  const httpWatch = watchHttp(config.rules)?.handle;
  let endpoint: Promise<InAppEndpoint> | undefined;
  const load = () => {
    if (endpoint !== undefined) return endpoint;
    endpoint = Promise.all([services, import('./router-endpoint.js')]).then(([started, { routerEndpoint }]) =>
      routerEndpoint({ config, probe, httpWatch, dumpsDirectory: directory, commands: new LocalCommandRunner(resolveCommands(options.commands)), target: started.target, started }),
    );
    // A failure to load surfaces on the first request, as a 500; keep it from being an unhandled rejection meanwhile.
    endpoint.catch(() => {});
    return endpoint;
  };
  services.catch(() => {});
  if (actsWithoutRequests(config)) void load();
  return { config, load };
}
