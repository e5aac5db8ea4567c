/** The ways of taking a heap snapshot that the bench compares, and what each one is. */
export const SCENARIOS = ['worker', 'router', 'remote', 'classic', 'floor'] as const;
export type Scenario = (typeof SCENARIOS)[number];

/** What a default run compares; `remote` is added on request (--remote). */
export const DEFAULT_SCENARIOS: Scenario[] = ['worker', 'router', 'classic', 'floor'];

export const SCENARIO_DESCRIPTIONS: Record<Scenario, string> = {
  worker:
    '`startMaintenanceServer()`: the API on its own thread and port; the client downloads `GET /ops/heapsnapshot`. The main thread runs `v8.writeHeapSnapshot()` into a named pipe that the worker thread reads and writes to the socket.',
  router:
    "`maintenanceRouter()` mounted at `/ops` in the app's own Express app; the client downloads `GET /ops/heapsnapshot`. The app's thread runs `v8.writeHeapSnapshot()` into a named pipe and is frozen until it is done, so a short-lived reader thread drains the pipe meanwhile: the first 32 MiB wait in memory, the rest in an unlinked temp file, and all of it goes to the client, at its pace, once V8 is done.",
  remote:
    "`maintenance-endpoint serve --target HOST:PORT`, a sidecar process reaching the app (started with `--inspect=127.0.0.1:0`) through its inspector; the client downloads `GET /ops/heapsnapshot` from the sidecar. The snapshot comes as chunk events over the inspector's WebSocket; the RSS figures are the app's, the process being snapshotted.",
  classic:
    "the usual hand-written route: `v8.writeHeapSnapshot(tmpfile)`, `fs.readFile(tmpfile, 'utf-8')`, `res.end(data)`, unlink; the client downloads it.",
  floor: "V8 alone: `v8.writeHeapSnapshot('/dev/null')` in the same kind of process, timed around the call: the work every other way has to do too.",
};

/** The targets, as ratios to the floor measured in the same run. */
export const TARGETS: Partial<Record<Scenario, { time: number; extraPeakRss: number }>> = {
  worker: { time: 1.1, extraPeakRss: 1.15 },
  router: { time: 1.25, extraPeakRss: 1.25 },
};
