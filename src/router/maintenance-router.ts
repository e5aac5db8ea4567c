import type { Router } from 'express';
import { LocalCommandRunner } from '../commands/local-command-runner.js';
import { createEndpoint } from '../endpoint/create-endpoint.js';
import { resolveCommands } from '../options/command-options.js';
import { ConfigError } from '../errors.js';
import { resolveConfig, type MaintenanceOptions } from '../options/resolve-options.js';
import { acquireMainThreadProbe } from '../probe/main-thread-probe.js';
import { DumpStore } from '../scheduling/dump-store.js';
import { InspectorSessionTarget } from '../targets/inspector-session-target.js';

/**
 * The maintenance API as a router for the app's own Express app:
 * `app.use('/ops', maintenanceRouter({ tokens }))`.
 *
 * It runs on the app's thread through an in-process inspector session, so it answers only while the
 * app's loop turns, and a heap snapshot freezes the loop while V8 serializes (a reader thread stages
 * what V8 writes, within the memory bound and then in a private spill file). Prefer
 * `startMaintenanceServer()`, which stays out of band. Throws a ConfigError on bad options.
 */
export function maintenanceRouter(options: MaintenanceOptions): Router {
  if (options?.trustProxy !== undefined) {
    throw new ConfigError('TRUST_PROXY', "In router mode the app's own `trust proxy` setting applies; set it on the app.");
  }
  const config = resolveConfig(options);
  const commands = new LocalCommandRunner(resolveCommands(options.commands));
  return createEndpoint({
    commands,
    target: InspectorSessionTarget.sameThread(),
    config,
    // The probe runs for the life of the process once a router is mounted: routers have no close().
    probe: acquireMainThreadProbe().handle,
    dumpsDirectory: DumpStore.createDirectoryRemovedAtExit(config.dumps.directory).directory,
  }).router;
}
