import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createEndpoint } from '../endpoint/create-endpoint.js';
import { AuditLogger } from '../log/audit-logger.js';
import { ConfigError } from '../errors.js';
import { readEgressConfigFile } from '../options/egress-config-file.js';
import { resolveBasePath, resolveConfig } from '../options/resolve-options.js';
import { DumpStore } from '../scheduling/dump-store.js';
import { evaluate } from '../targets/protocol.js';
import { createOpsServer, listenOpsServer, opsUrl } from '../server/listen.js';
import { serverEvents, startWarnings } from '../server/server-audit.js';
import { resolveServerSecurity, type ResolvedServerSecurity } from '../server/server-options.js';
import { RemoteInspectorTarget } from '../targets/remote-inspector-target.js';
import { openInspectorOf } from './attach-by-pid.js';
import { CliError } from './cli-error.js';

/**
 * `maintenance-endpoint serve`: the maintenance API for another Node process, served from this one
 * (a sidecar) through the target's inspector. Same auth, limits, errors and audit as the library;
 * figures that only an in-app probe can give are reported as unavailable, never as the sidecar's own.
 */
export async function runServeCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      target: { type: 'string' },
      pid: { type: 'string' },
      'inspect-port': { type: 'string', default: '9229' },
      port: { type: 'string', default: '0' },
      host: { type: 'string', default: '127.0.0.1' },
      'base-path': { type: 'string', default: '/ops' },
      'tokens-file': { type: 'string' },
      'audit-log': { type: 'string' },
      'tls-key': { type: 'string' },
      'tls-cert': { type: 'string' },
      'tls-ca': { type: 'string' },
      'tls-request-client-cert': { type: 'boolean', default: false },
      'allow-insecure-remote': { type: 'boolean', default: false },
      'egress-config': { type: 'string' },
    },
    strict: true,
  });
  if ((values.target === undefined) === (values.pid === undefined)) throw new CliError('Give exactly one of --target HOST:PORT or --pid PID.', 2);
  const port = integer('--port', values.port, 0, 65535);
  let config;
  let basePath: string;
  let security: ResolvedServerSecurity;
  try {
    basePath = resolveBasePath(values['base-path']);
    config = resolveConfig({
      ...(values['tokens-file'] !== undefined ? { tokensFile: values['tokens-file'] } : {}),
      ...(values['audit-log'] !== undefined ? { auditLog: values['audit-log'] } : {}),
      ...(values['egress-config'] !== undefined ? { egress: readEgressConfigFile(values['egress-config']) } : {}),
    });
    security = resolveServerSecurity(values.host, { tls: readTlsFiles(values), allowInsecureRemote: values['allow-insecure-remote'] }, config.maxProfileSeconds);
  } catch (error) {
    if (error instanceof ConfigError) throw new CliError(error.message, 2);
    throw error;
  }

  let inspector: { host: string; port: number };
  const pid = values.pid === undefined ? undefined : integer('--pid', values.pid, 1, 2 ** 31);
  if (pid !== undefined) {
    inspector = { host: '127.0.0.1', port: integer('--inspect-port', values['inspect-port'], 1, 65535) };
    await openInspectorOf(pid, inspector.port);
  } else {
    inspector = parseHostPort(values.target!);
  }

  const log = new AuditLogger(config.auditLog);
  const target = await RemoteInspectorTarget.connect({
    ...inspector,
    onStateChange: (state, detail) => (state === 'connected' ? log.info('target connected', { detail }) : log.warn('target lost', { detail })),
  }).catch((error: Error) => {
    throw new CliError(`Cannot reach the inspector at ${inspector.host}:${inspector.port}: ${error.message}`);
  });
  const targetPid = await target.processId();
  if (pid !== undefined && targetPid !== pid) {
    await target.close();
    throw new CliError(`The inspector on port ${inspector.port} belongs to process ${targetPid}, not ${pid}; pass --inspect-port.`);
  }

  const dumps = DumpStore.createDirectoryRemovedAtExit(config.dumps.directory, config.tmpdir);
  const warnings = startWarnings(values.host, security, log);
  const endpoint = createEndpoint({ target, config, log, probe: undefined, dumpsDirectory: dumps.directory, warnings });
  const server = createOpsServer(endpoint.app(basePath), security, serverEvents(log));
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
  if (pid !== undefined) await closeInspectorWeOpened(target);
  await target.close();
  endpoint.close();
  dumps.dispose();
  return 0;
}

/** `--tls-*` name PEM files; read here so the server gets contents, as the library takes them. */
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

/** The inspector this sidecar opened by signal would otherwise stay open on loopback after it leaves. */
async function closeInspectorWeOpened(target: RemoteInspectorTarget): Promise<void> {
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
