import { isAbsolute } from 'node:path';
import { ConfigError } from '../errors.js';
import { resolveEgressOptions, type EgressOptions, type S3Destination } from './egress-options.js';
import type { AppCommands } from './command-options.js';
import { resolveEvalOptions, type EvalOptions, type ResolvedEvalConfig } from './eval-options.js';
import { loadTokenRecords, type TokenRecord, type TokenSources } from './tokens.js';
import { resolveRules, type ResolvedRule, type RuleOptions } from './rules-options.js';
import { resolveRecorderOptions, type RecorderOptions, type ResolvedRecorderConfig } from './recorder-options.js';

export interface WindowLimit {
  /** Length of the window in milliseconds. */
  windowMs: number;
  /** Requests allowed per client address in one window. */
  limit: number;
}

/** Derives the client key of failed attempts from a request: router mode, when the app trusts every proxy. */
export type ClientKeyFunction = (req: import('express').Request) => string;

export interface RateLimitOptions {
  /** Every request under the base path. Default: 300 a minute. */
  all?: Partial<WindowLimit>;
  /** Heavy operations (heap snapshots, profiles), counted whether or not they finish. Default: 10 a minute. */
  heavy?: Partial<WindowLimit>;
  /** Requests without a valid token, per client; they never count against a valid token. Default: 20 in 15 minutes. */
  authFailures?: Partial<WindowLimit>;
  /**
   * Router mode only: the client key of failed attempts, for an app whose `trust proxy` believes every
   * hop (then `req.ip` is whatever the client claims, and the router refuses to mount without this).
   */
  keyGenerator?: ClientKeyFunction;
}

export interface DumpOptions {
  /** Parent directory of the store's private 0700 directory. Default: the OS temp directory. */
  directory?: string;
  /** Most bytes of finished artifacts kept (oldest evicted first). Default 4 GiB. */
  maxBytes?: number;
  /** Most finished artifacts kept. Default 10. */
  maxFiles?: number;
  /** Finished artifacts are deleted after this many seconds. Default 86400 (24 h). */
  maxAgeSeconds?: number;
  /** Most jobs waiting for their trigger; more get 429. Default 10. */
  maxPendingJobs?: number;
  /** Free disk space a heap snapshot must leave untouched beyond its estimated size. Default 256 MiB. */
  reserveBytes?: number;
}

/** Options shared by both modes. */
export interface MaintenanceOptions extends TokenSources {
  /**
   * Host header values accepted besides the address the request arrived on (and `localhost` when that
   * is a loopback address). An entry without a port matches any port. Guards against DNS rebinding.
   */
  allowedHosts?: string[];
  rateLimit?: RateLimitOptions;
  /** Largest backlog kept in memory for a slow download before it spills to a private temp file. Default 32 MiB. */
  spillThresholdBytes?: number;
  /** Directory in which private spill directories are made. Default: the OS temp directory. */
  tmpdir?: string;
  /**
   * A download whose client takes no data for this many seconds while data waits is aborted, freeing
   * its slot and spill file. Default 60.
   */
  stallTimeoutSeconds?: number;
  /** The private store of scheduled dumps and its limits. */
  dumps?: DumpOptions;
  /**
   * A persistent dump store (an absolute path, made 0700 if missing), e.g. on a volume: ready dumps and
   * their records stay when the process ends and are listed by the next start with the same `storeDir`,
   * and a near-heap-limit snapshot Node writes into it (start the app with `--diagnostic-dir` set to it)
   * is adopted, also after the crash. Replaces `dumps.directory`. Default: a private store per process.
   */
  storeDir?: string;
  /** How far back the leak verdict looks, in seconds. Default 600. */
  leakWindowSeconds?: number;
  /**
   * Command-line arguments the redacted /report may show as they are. Positional arguments are
   * redacted by default (a password can be passed bare); the script and code files are always shown.
   */
  reportAllowedArguments?: string[];
  /** Longest CPU or heap profile a request may ask for, in seconds. Default 300. */
  maxProfileSeconds?: number;
  /** Where the JSON audit log goes: a file descriptor (default 2, stderr) or an absolute file path (appended). */
  auditLog?: number | string;
  /**
   * Out-of-band server only: Express's `trust proxy` for a reverse proxy in front of it, as a hop count
   * or the proxies' addresses/subnets (e.g. `'loopback'`). Off by default; `true` is refused, since then
   * any client could pick its own address with X-Forwarded-For and step around every rate limit. In
   * router mode the app's own setting applies.
   */
  trustProxy?: number | string | string[];
  /**
   * Out-of-band server only: adds `GET {base}/livez` and `GET {base}/readyz`, answered without a token
   * (status only), that tell "paused for one of our own operations" from "hung". Off by default.
   */
  healthProbes?: HealthProbeOptions;
  /**
   * The memory the process may use in all (bytes), for the heap snapshot admission check; overrides the
   * cgroup limit or physical memory the endpoint reads otherwise.
   */
  memoryLimit?: number;
  /** Named S3-compatible destinations artifacts can be uploaded to (`?egress=NAME`); see docs/egress.md. */
  egress?: EgressOptions;
  /** `POST {base}/eval`, a read-only REPL into the app's main thread: off unless enabled. */
  eval?: EvalOptions;
  /** The app's own maintenance actions, run on its main thread: `GET {base}/commands`, `POST {base}/commands/{name}`. */
  commands?: AppCommands;
  /**
   * Collection rules: when a condition holds (a blocked loop, memory near its limit, a leak...), take
   * artifacts into the dump store with nobody asking, within a limit that holds across restarts with
   * `storeDir`; see docs/rules.md.
   */
  rules?: RuleOptions[];
  /**
   * The always-on recorder: the last minute of vital signs and a low-rate sampling heap profile, spilled to
   * `storeDir` every few seconds so that the next start lists a `last-moments` dump after a kill or an
   * OOM abort; `/debug/pprof/heap` then answers at once. See docs/recorder.md.
   */
  recorder?: RecorderOptions;
}

export interface HealthProbeOptions {
  /** How long the main thread may not turn, outside our own pauses, before livez says 503. Default 10. */
  unresponsiveAfterSeconds?: number;
  /**
   * The probes' own limit per client address, apart from every other limit: nothing else (the console's
   * page and assets above all) counts against it. Default: 6000 a minute, far above any kubelet's pace.
   */
  rateLimit?: Partial<WindowLimit>;
}

/** Everything a server needs, resolved and validated once; plain data so it can cross into a worker. */
export interface ResolvedConfig {
  tokens: TokenRecord[];
  allowedHosts: string[];
  /** keyGenerator (router mode only) is the one member that is not plain data. */
  rateLimit: { all: WindowLimit; heavy: WindowLimit; authFailures: WindowLimit; keyGenerator?: ClientKeyFunction };
  spillThresholdBytes: number;
  stallTimeoutSeconds: number;
  maxProfileSeconds: number;
  leakWindowSeconds: number;
  reportAllowedArguments: string[];
  dumps: { directory: string | undefined; storeDir: string | undefined; maxBytes: number; maxFiles: number; maxAgeSeconds: number; maxPendingJobs: number; reserveBytes: number };
  tmpdir: string | undefined;
  auditLog: number | string;
  trustProxy: number | string | string[] | false;
  healthProbes: { unresponsiveAfterSeconds: number; rateLimit: WindowLimit } | undefined;
  memoryLimit: number | undefined;
  /** Upload destinations by name, validated; a plain object so that it crosses into the worker as is. */
  egress: Record<string, S3Destination>;
  eval: ResolvedEvalConfig;
  rules: ResolvedRule[];
  /** Undefined when the recorder is off. */
  recorder: ResolvedRecorderConfig | undefined;
}

const DEFAULT_LIMITS = {
  all: { windowMs: 60_000, limit: 300 },
  heavy: { windowMs: 60_000, limit: 10 },
  authFailures: { windowMs: 15 * 60_000, limit: 20 },
  // A probe's answer is a constant, tiny piece of work; kubelet asks a few times a second at most.
  healthProbes: { windowMs: 60_000, limit: 6000 },
};

export function resolveConfig(options: MaintenanceOptions): ResolvedConfig {
  if (typeof options !== 'object' || options === null) {
    throw new ConfigError('INVALID_OPTIONS', 'Options must be an object; at least `tokens` is required.');
  }
  return {
    tokens: loadTokenRecords(options),
    allowedHosts: resolveAllowedHosts(options.allowedHosts),
    rateLimit: {
      all: resolveWindow('all', options.rateLimit?.all, DEFAULT_LIMITS.all),
      heavy: resolveWindow('heavy', options.rateLimit?.heavy, DEFAULT_LIMITS.heavy),
      authFailures: resolveWindow('authFailures', options.rateLimit?.authFailures, DEFAULT_LIMITS.authFailures),
      ...resolveKeyGenerator(options.rateLimit?.keyGenerator),
    },
    spillThresholdBytes: positiveInteger('spillThresholdBytes', options.spillThresholdBytes, 32 * 1024 * 1024),
    stallTimeoutSeconds: positiveInteger('stallTimeoutSeconds', options.stallTimeoutSeconds, 60),
    maxProfileSeconds: positiveInteger('maxProfileSeconds', options.maxProfileSeconds, 300),
    leakWindowSeconds: positiveInteger('leakWindowSeconds', options.leakWindowSeconds, 600),
    reportAllowedArguments: resolveStringList('reportAllowedArguments', options.reportAllowedArguments),
    dumps: resolveDumps(options.dumps ?? {}, options.storeDir),
    tmpdir: options.tmpdir,
    auditLog: resolveAuditLog(options.auditLog),
    trustProxy: resolveTrustProxy(options.trustProxy),
    memoryLimit: options.memoryLimit === undefined ? undefined : positiveInteger('memoryLimit', options.memoryLimit, 0),
    healthProbes:
      options.healthProbes === undefined
        ? undefined
        : {
            unresponsiveAfterSeconds: positiveInteger('healthProbes.unresponsiveAfterSeconds', options.healthProbes?.unresponsiveAfterSeconds, 10),
            rateLimit: resolveWindow('healthProbes', options.healthProbes.rateLimit, DEFAULT_LIMITS.healthProbes, 'healthProbes.rateLimit'),
          },
    egress: Object.fromEntries(resolveEgressOptions(options.egress)),
    eval: resolveEvalOptions(options.eval),
    rules: resolveRules(options.rules),
    recorder: resolveRecorderOptions(options.recorder),
  };
}

function resolveDumps(dumps: DumpOptions, storeDir: string | undefined) {
  if (dumps.directory !== undefined && (typeof dumps.directory !== 'string' || !isAbsolute(dumps.directory))) {
    throw new ConfigError('DUMPS_DIRECTORY', '`dumps.directory` must be an absolute path.');
  }
  if (storeDir !== undefined && (typeof storeDir !== 'string' || !isAbsolute(storeDir))) {
    throw new ConfigError('DUMPS_DIRECTORY', '`storeDir` must be an absolute path.');
  }
  if (storeDir !== undefined && dumps.directory !== undefined) {
    throw new ConfigError('DUMPS_DIRECTORY', 'Give `storeDir` (a persistent store) or `dumps.directory` (the parent of a private one), not both.');
  }
  return {
    directory: dumps.directory,
    storeDir,
    maxBytes: positiveInteger('dumps.maxBytes', dumps.maxBytes, 4 * 1024 ** 3),
    maxFiles: positiveInteger('dumps.maxFiles', dumps.maxFiles, 10),
    maxAgeSeconds: positiveInteger('dumps.maxAgeSeconds', dumps.maxAgeSeconds, 86_400),
    maxPendingJobs: positiveInteger('dumps.maxPendingJobs', dumps.maxPendingJobs, 10),
    reserveBytes: dumps.reserveBytes === 0 ? 0 : positiveInteger('dumps.reserveBytes', dumps.reserveBytes, 256 * 1024 ** 2),
  };
}

function resolveStringList(name: string, value: unknown): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.some((entry) => typeof entry !== 'string')) throw new ConfigError('OPTION_TYPE', `\`${name}\` must be an array of strings.`);
  return [...value];
}

function resolveKeyGenerator(value: unknown): { keyGenerator?: ClientKeyFunction } {
  if (value === undefined) return {};
  if (typeof value !== 'function') throw new ConfigError('OPTION_TYPE', '`rateLimit.keyGenerator` must be a function (req) => string.');
  return { keyGenerator: value as ClientKeyFunction };
}

function resolveTrustProxy(value: unknown): number | string | string[] | false {
  if (value === undefined || value === false) return false;
  if (typeof value === 'number' && Number.isInteger(value) && value >= 1) return value;
  if (typeof value === 'string' && value.trim() !== '') return value;
  if (Array.isArray(value) && value.length > 0 && value.every((entry) => typeof entry === 'string' && entry !== '')) return value;
  throw new ConfigError(
    'TRUST_PROXY',
    '`trustProxy` must be a hop count or the proxy addresses/subnets; `true` would let any client choose its address.',
  );
}

function resolveAllowedHosts(hosts: unknown): string[] {
  if (hosts === undefined) return [];
  if (!Array.isArray(hosts) || hosts.some((host) => typeof host !== 'string' || host === '' || /[\s/@]/.test(host))) {
    throw new ConfigError('ALLOWED_HOSTS', '`allowedHosts` must be an array of host names, optionally with :port.');
  }
  return hosts.map((host: string) => host.toLowerCase());
}

function resolveWindow(name: string, given: Partial<WindowLimit> | undefined, fallback: WindowLimit, optionPath = `rateLimit.${name}`): WindowLimit {
  return {
    windowMs: positiveInteger(`${optionPath}.windowMs`, given?.windowMs, fallback.windowMs),
    limit: positiveInteger(`${optionPath}.limit`, given?.limit, fallback.limit),
  };
}

function resolveAuditLog(value: unknown): number | string {
  if (value === undefined) return 2;
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return value;
  if (typeof value === 'string' && isAbsolute(value)) return value;
  throw new ConfigError('AUDIT_LOG', '`auditLog` must be a file descriptor or an absolute file path.');
}

/** The API's path prefix (default `/ops`), for the out-of-band server and the sidecar alike. */
export function resolveBasePath(basePath: string | undefined): string {
  const path = basePath ?? '/ops';
  if (!/^(\/[A-Za-z0-9._~-]+)+$/.test(path)) {
    throw new ConfigError('BASE_PATH', '`basePath` must look like `/ops` or `/internal/ops`: no trailing slash, no special characters.');
  }
  return path;
}

export function positiveInteger(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
    throw new ConfigError('OPTION_RANGE', `\`${name}\` must be a positive integer.`);
  }
  return value;
}
