import { isIP } from 'node:net';
import { ConfigError } from '../errors.js';
import type { OptionNames } from '../options/option-names.js';

/** TLS for a server we own, as Node's tls options take it: PEM contents, not paths. */
export interface TlsOptions {
  key: string | Buffer;
  cert: string | Buffer;
  /** CA certificates that client certificates must chain to. */
  ca?: string | Buffer | Array<string | Buffer>;
  /** With `ca`: mutual TLS, a client without a certificate signed by `ca` is refused during the handshake. */
  requestClientCert?: boolean;
}

/** Limits on the connections a server we own accepts, so a flood of sockets cannot exhaust the process. */
export interface ConnectionOptions {
  /** Most open connections; at the cap a newcomer evicts the connection idle longest that never presented a valid token, or is closed. Default 64. */
  maxConnections?: number;
  /** Time to receive a request's headers, counted from the connection. Default 10 s. */
  headersTimeoutMs?: number;
  /** Time to receive a whole request. Default 30 s. */
  requestTimeoutMs?: number;
  /** Time an idle keep-alive connection stays open between requests. Default 5 s. */
  keepAliveTimeoutMs?: number;
  /** Requests served on one connection before it is closed. Default 100. */
  maxRequestsPerSocket?: number;
  /**
   * A connection that sends and receives nothing for this long is closed. Default: the longest
   * profile plus 60 s, since a profile's response is silent until it ends.
   */
  idleTimeoutMs?: number;
}

/** Options of a server we own (the out-of-band server and `serve`). */
export interface ServerSecurityOptions {
  tls?: TlsOptions;
  /** Allows plain HTTP on a non-loopback host; the index and the audit log say so on every start. */
  allowInsecureRemote?: boolean;
  connections?: ConnectionOptions;
}

/** The names of the options above, for the check of every option by name at start. */
export const SERVER_SECURITY_OPTION_NAMES: OptionNames<ServerSecurityOptions> = {
  tls: { key: true, cert: true, ca: true, requestClientCert: true },
  allowInsecureRemote: true,
  connections: { maxConnections: true, headersTimeoutMs: true, requestTimeoutMs: true, keepAliveTimeoutMs: true, maxRequestsPerSocket: true, idleTimeoutMs: true },
};

export interface ResolvedConnectionOptions {
  maxConnections: number;
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  maxRequestsPerSocket: number;
  idleTimeoutMs: number;
}

/** Plain data, so it can cross into the server's worker thread. */
export interface ResolvedServerSecurity {
  tls: { key: string | Uint8Array; cert: string | Uint8Array; ca?: Array<string | Uint8Array>; requestClientCert: boolean } | undefined;
  /** True when plain HTTP listens beyond loopback because the operator allowed it. */
  insecureRemote: boolean;
  connections: ResolvedConnectionOptions;
}

export function resolveServerSecurity(host: string, options: ServerSecurityOptions, maxProfileSeconds: number): ResolvedServerSecurity {
  const tls = resolveTls(options.tls);
  if (options.allowInsecureRemote !== undefined && typeof options.allowInsecureRemote !== 'boolean') {
    throw new ConfigError('OPTION_TYPE', '`allowInsecureRemote` must be a boolean.');
  }
  const remote = !isLoopbackHost(host);
  if (remote && tls === undefined && options.allowInsecureRemote !== true) {
    throw new ConfigError(
      'INSECURE_REMOTE',
      `Refusing to listen on ${host} with plain HTTP: bearer tokens would cross the network in clear. ` +
        'Pass `tls: { key, cert }` (serve: --tls-key, --tls-cert), listen on 127.0.0.1 behind a tunnel, ' +
        'or pass `allowInsecureRemote: true` if a TLS proxy on the same host terminates the connections.',
    );
  }
  return { tls, insecureRemote: remote && tls === undefined, connections: resolveConnections(options.connections ?? {}, maxProfileSeconds) };
}

/** Loopback addresses and `localhost`: reachable from this machine (or network namespace) only. */
export function isLoopbackHost(host: string): boolean {
  const name = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (name === 'localhost' || name === '::1') return true;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(name);
  const v4 = mapped ? mapped[1]! : name;
  return isIP(v4) === 4 && v4.startsWith('127.');
}

function resolveTls(tls: TlsOptions | undefined): ResolvedServerSecurity['tls'] {
  if (tls === undefined) return undefined;
  const pem = (name: string, value: unknown): string | Uint8Array => {
    if (typeof value === 'string' ? value.includes('-----BEGIN') : value instanceof Uint8Array && value.length > 0) return value as string | Uint8Array;
    throw new ConfigError('TLS', `\`tls.${name}\` must be PEM contents (a string or Buffer), not a path.`);
  };
  if (typeof tls !== 'object' || tls === null) throw new ConfigError('TLS', '`tls` must be an object { key, cert, ca?, requestClientCert? }.');
  const ca = tls.ca === undefined ? undefined : (Array.isArray(tls.ca) ? tls.ca : [tls.ca]).map((entry) => pem('ca', entry));
  if (tls.requestClientCert !== undefined && typeof tls.requestClientCert !== 'boolean') {
    throw new ConfigError('TLS', '`tls.requestClientCert` must be a boolean.');
  }
  if (tls.requestClientCert === true && ca === undefined) {
    throw new ConfigError('TLS', '`tls.requestClientCert` needs `tls.ca`: the CA that client certificates must chain to.');
  }
  return { key: pem('key', tls.key), cert: pem('cert', tls.cert), ...(ca ? { ca } : {}), requestClientCert: tls.requestClientCert === true };
}

function resolveConnections(options: ConnectionOptions, maxProfileSeconds: number): ResolvedConnectionOptions {
  if (typeof options !== 'object' || options === null) throw new ConfigError('OPTION_TYPE', '`connections` must be an object.');
  const value = (name: keyof ConnectionOptions, fallback: number): number => {
    const given = options[name];
    if (given === undefined) return fallback;
    if (typeof given !== 'number' || !Number.isSafeInteger(given) || given <= 0) {
      throw new ConfigError('OPTION_RANGE', `\`connections.${name}\` must be a positive integer.`);
    }
    return given;
  };
  return {
    maxConnections: value('maxConnections', 64),
    headersTimeoutMs: value('headersTimeoutMs', 10_000),
    requestTimeoutMs: value('requestTimeoutMs', 30_000),
    keepAliveTimeoutMs: value('keepAliveTimeoutMs', 5_000),
    maxRequestsPerSocket: value('maxRequestsPerSocket', 100),
    idleTimeoutMs: value('idleTimeoutMs', (maxProfileSeconds + 60) * 1000),
  };
}
