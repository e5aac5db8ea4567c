import { readFileSync } from 'node:fs';
import { ConfigError } from '../errors.js';
import type { CdpTarget } from '../targets/target.js';
import { openInspectorOf, targetAdvice } from './attach-by-pid.js';
import { CliError } from './cli-error.js';
import { defineCommand, type OptionValues } from './command-spec.js';

const SERVE_OPTIONS = {
  target: { type: 'string', value: 'HOST:PORT', help: "the target's inspector, e.g. 127.0.0.1:9229 (a process started with --inspect)" },
  pid: { type: 'string', value: 'PID', help: "open the inspector of a running process by signal (as node inspect -p does), on loopback" },
  'inspect-port': { type: 'string', value: 'PORT', help: 'with --pid: the port its inspector opens on (9229, or the --inspect-port it was started with: a signal cannot choose it)', default: '9229' },
  'follow-restarts': { type: 'boolean', help: 'with --target: serve whatever process holds the port after a reconnection (default: only the process first reached; another is refused)' },
  port: { type: 'string', value: 'PORT', help: 'the port to serve on, 0 for any free one', default: '0' },
  host: { type: 'string', value: 'HOST', help: 'the address to serve on', default: '127.0.0.1' },
  'base-path': { type: 'string', value: 'PATH', help: 'the base path of the API', default: '/ops' },
  'tokens-file': { type: 'string', value: 'FILE', help: 'the tokens, a JSON array of { id, token, scopes } (chmod 600); or set MAINTENANCE_ENDPOINT_TOKENS to the same JSON' },
  'audit-log': { type: 'string', value: 'PATH', help: 'append the JSON audit log to this absolute path (default: stderr)' },
  'tls-key': { type: 'string', value: 'FILE', help: "the server's private key (PEM): serve HTTPS" },
  'tls-cert': { type: 'string', value: 'FILE', help: "the server's certificate (PEM), with --tls-key" },
  'tls-ca': { type: 'string', value: 'FILE', help: 'the CA (PEM) client certificates must chain to, with --tls-request-client-cert' },
  'tls-request-client-cert': { type: 'boolean', help: 'mutual TLS: refuse clients without a certificate from --tls-ca' },
  'allow-insecure-remote': { type: 'boolean', help: 'serve plain HTTP on a non-loopback --host anyway (behind a TLS proxy on the same host)' },
  'store-dir': { type: 'string', value: 'DIR', help: 'a persistent dump store (absolute path, e.g. on a volume): ready dumps survive a restart, near-heap-limit snapshots Node writes there are adopted' },
  'memory-limit': { type: 'string', value: 'BYTES', help: "the memory the target may use in all, for the heap snapshot admission check (default: its cgroup limit or its host's memory, as it reports them)" },
  'egress-config': { type: 'string', value: 'FILE', help: 'upload destinations for ?egress=NAME: the egress option as JSON (chmod 600: it may hold keys)' },
  'rules-file': { type: 'string', value: 'FILE', help: 'collection rules: the rules option as JSON, an array of { name, when, do, limit, cooldownSeconds } (docs/rules.md)' },
  eval: { type: 'boolean', help: 'serve POST /eval: read-only, time-limited evaluations in the target (and its worker threads), for tokens with the eval scope' },
} as const;

export const serveCommand = defineCommand({
  name: 'serve',
  summary: "Serve the maintenance API for another Node process through its inspector (a sidecar).",
  arguments: '(--target HOST:PORT | --pid PID)',
  description: [
    'Prints "Serving URL for HOST:PORT (pid N)" once listening; SIGINT or SIGTERM stops it. Figures only an in-app probe can give (GC history, event loop, leak verdict) are reported as unavailable.',
  ],
  options: SERVE_OPTIONS,
  examples: ['maintenance-endpoint serve --target 127.0.0.1:9229 --tokens-file tokens.json --port 9464'],
  run: ({ values }) => runServeCommand(values),
});

/**
 * `maintenance-endpoint serve`: the maintenance API for another Node process, served from this one
 * (a sidecar) through the target's inspector. Same auth, limits, errors and audit as the library;
 * figures that only an in-app probe can give are reported as unavailable, never as the sidecar's own.
 */
export async function runServeCommand(values: OptionValues<typeof SERVE_OPTIONS>): Promise<number> {
  // Loaded here, not at the top: every other command (and --help) starts without Express and the endpoint.
  const [
    { createEndpoint },
    { AuditLogger },
    { resolveBasePath, resolveConfig },
    { readEgressConfigFile },
    { inRulesFile, readRulesFile },
    { locateTargetProcess },
    { targetCountsLoopTurns },
    { DumpStore },
    { RemoteInspectorTarget },
    { createOpsServer, listenOpsServer, opsUrl },
    { serverEvents, startWarnings },
    { resolveServerSecurity },
  ] = await Promise.all([
    import('../endpoint/create-endpoint.js'),
    import('../log/audit-logger.js'),
    import('../options/resolve-options.js'),
    import('../options/egress-config-file.js'),
    import('../options/rules-file.js'),
    import('../targets/target-process.js'),
    import('../rules/target-loop-watch.js'),
    import('../scheduling/dump-store.js'),
    import('../targets/remote-inspector-target.js'),
    import('../server/listen.js'),
    import('../server/server-audit.js'),
    import('../server/server-options.js'),
  ]);
  if ((values.target === undefined) === (values.pid === undefined)) throw new CliError('Give exactly one of --target HOST:PORT or --pid PID.', 2);
  const port = integer('--port', values.port, 0, 65535);
  let config;
  let basePath: string;
  let security;
  try {
    basePath = resolveBasePath(values['base-path']);
    config = resolveConfig({
      ...(values['tokens-file'] !== undefined ? { tokensFile: values['tokens-file'] } : {}),
      ...(values['audit-log'] !== undefined ? { auditLog: values['audit-log'] } : {}),
      ...(values['egress-config'] !== undefined ? { egress: readEgressConfigFile(values['egress-config']) } : {}),
      ...(values['rules-file'] !== undefined ? { rules: readRulesFile(values['rules-file']) } : {}),
      ...(values['store-dir'] !== undefined ? { storeDir: values['store-dir'] } : {}),
      ...(values['memory-limit'] !== undefined ? { memoryLimit: byteCount('--memory-limit', values['memory-limit']) } : {}),
      ...(values.eval === true ? { eval: { enabled: true } } : {}),
    });
    security = resolveServerSecurity(values.host, { tls: readTlsFiles(values), allowInsecureRemote: values['allow-insecure-remote'] === true }, config.maxProfileSeconds);
  } catch (error) {
    if (error instanceof ConfigError && error.code === 'NO_TOKENS' && values['tokens-file'] === undefined) {
      throw new CliError('No tokens: pass --tokens-file FILE (a JSON array of { id, token, scopes }, chmod 600) or set MAINTENANCE_ENDPOINT_TOKENS to the same JSON.', 2);
    }
    if (error instanceof ConfigError) throw new CliError(error.message, 2);
    throw error;
  }

  let inspector: { host: string; port: number };
  const pid = values.pid === undefined ? undefined : integer('--pid', values.pid, 1, 2 ** 31);
  // Whether this sidecar opened the target's inspector, and so closes it when it leaves.
  let opened = false;
  if (pid !== undefined) {
    if (values['follow-restarts'] === true) throw new CliError('--follow-restarts goes with --target: a process attached by --pid is that process alone.', 2);
    inspector = { host: '127.0.0.1', port: integer('--inspect-port', values['inspect-port'], 1, 65535) };
    opened = await openInspectorOf(pid, inspector.port);
  } else {
    inspector = parseHostPort(values.target!);
  }

  const log = new AuditLogger(config.auditLog);
  const target = await RemoteInspectorTarget.connect({
    ...inspector,
    followRestarts: values['follow-restarts'] === true,
    onStateChange: (state, detail, connectedPid) => {
      if (state === 'connected') log.info('target connected', { detail, ...(connectedPid !== undefined ? { targetPid: connectedPid } : {}) });
      else if (state === 'refused') log.warn('target refused', { detail, targetPid: connectedPid });
      else log.warn('target lost', { detail });
    },
  }).catch((error: Error) => {
    throw new CliError(`Cannot reach the inspector at ${inspector.host}:${inspector.port}: ${error.message}`);
  });
  const targetPid = await target.processId();
  if (pid !== undefined && targetPid !== pid) {
    await target.close();
    throw new CliError(`The inspector on port ${inspector.port} belongs to process ${targetPid}, not ${pid}; process ${pid} was ${opened ? 'signalled but its inspector is not there' : 'not signalled'}. ${targetAdvice(pid, inspector.port)}`);
  }

  /** A start refused after the target was reached: the inspector this sidecar opened is closed again. */
  const abandon = async () => {
    if (opened) await closeInspectorWeOpened(target);
    await target.close();
  };
  // What the rules read of the target from outside: asked only when a rule needs it.
  const conditions = new Set(config.rules.map((rule) => rule.when.type));
  let outside;
  try {
    outside = {
      ...(conditions.has('rssPercentOfLimit') || conditions.has('cpuPercent') ? { process: await locateTargetProcess(target, targetPid) } : {}),
      loopTurns: conditions.has('loopBlockedMs') && (await targetCountsLoopTurns(target)),
    };
  } catch (error) {
    await abandon();
    throw new CliError(`The target did not answer what its rules need to know of it: ${(error as Error).message}`);
  }
  const dumps = DumpStore.createDirectoryRemovedAtExit(config.dumps.directory, config.tmpdir, config.dumps.storeDir);
  const warnings = startWarnings(values.host, security, log);
  let endpoint;
  try {
    endpoint = createEndpoint({ target, config, log, probe: undefined, dumpsDirectory: dumps.directory, warnings, outside });
  } catch (error) {
    dumps.dispose();
    log.close();
    await abandon();
    if (!(error instanceof ConfigError)) throw error;
    throw new CliError((values['rules-file'] === undefined ? error : inRulesFile(values['rules-file'], error)).message, 2);
  }
  const server = createOpsServer(endpoint.requestListener(basePath), security, serverEvents(log));
  const address = await listenOpsServer(server, port, values.host, serverEvents(log)).catch((error: Error) => {
    throw new CliError(`Cannot listen on ${values.host}:${port}: ${error.message}`);
  });
  const url = opsUrl(values.host, address.port, basePath, security.tls !== undefined);
  process.stdout.write(`Serving ${url} for ${inspector.host}:${inspector.port} (pid ${targetPid})\n`);

  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  server.close();
  server.closeAllConnections();
  if (opened) await closeInspectorWeOpened(target);
  await target.close();
  endpoint.close();
  dumps.dispose();
  return 0;
}

/** The inspector this sidecar opened by signal would otherwise stay open on loopback after it leaves. */
async function closeInspectorWeOpened(target: CdpTarget): Promise<void> {
  const { evaluate } = await import('../targets/protocol.js');
  await evaluate(target, 'Closing the inspector', "require('node:inspector').close()", { commandLineApi: true }).catch(() => {});
}

function parseHostPort(text: string): { host: string; port: number } {
  const match = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(text);
  if (match === null) throw new CliError('--target must be HOST:PORT, e.g. 127.0.0.1:9229.', 2);
  return { host: match[1]!.replace(/^\[|\]$/g, ''), port: integer('--target port', match[2]!, 1, 65535) };
}

function integer(name: string, text: string, min: number, max: number): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < min || value > max) throw new CliError(`${name} must be an integer from ${min} to ${max}.`, 2);
  return value;
}

function byteCount(name: string, text: string): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(value) || value < 1) throw new CliError(`${name} must be a positive whole number of bytes.`, 2);
  return value;
}

function readTlsFiles(values: { 'tls-key'?: string; 'tls-cert'?: string; 'tls-ca'?: string; 'tls-request-client-cert'?: boolean }) {
  const key = values['tls-key'];
  const cert = values['tls-cert'];
  if (key === undefined && cert === undefined && values['tls-ca'] === undefined && !values['tls-request-client-cert']) return undefined;
  if (key === undefined || cert === undefined) throw new CliError('--tls-key and --tls-cert go together.', 2);
  const read = (flag: string, path: string) => {
    try {
      return readFileSync(path, 'utf8');
    } catch (error) {
      throw new CliError(`Cannot read ${flag} ${path}: ${(error as Error).message}`, 2);
    }
  };
  const ca = values['tls-ca'];
  return {
    key: read('--tls-key', key),
    cert: read('--tls-cert', cert),
    ...(ca !== undefined ? { ca: read('--tls-ca', ca) } : {}),
    requestClientCert: values['tls-request-client-cert'] === true,
  };
}
