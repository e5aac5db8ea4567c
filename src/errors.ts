/**
 * The one catalogue of failures, as undici keeps its own: one base class, one vocabulary of codes, and
 * no transport in it. A code says what went wrong in the domain's terms; the HTTP layer alone decides
 * which status each code answers with (http/error-status.ts), and the CLI decides its exit codes.
 *
 * Messages are written for the operator and never carry a secret, a path of the machine or a stack.
 */

/** Configuration, at start-up: the endpoint refuses to start rather than start weakly. Never an HTTP answer. */
const START_UP = {
  INVALID_OPTIONS: 'An option has the wrong type or shape.',
  UNKNOWN_OPTION: 'An option name the endpoint does not know (a misspelt one would otherwise be ignored).',
  OPTION_RANGE: 'A numeric option is out of its range.',
  NO_TOKENS: 'No token was configured.',
  TOKEN_ID: 'A token id is missing, malformed or repeated.',
  TOKEN_SCOPES: 'A token has no scopes or an unknown one.',
  TOKEN_TOO_SHORT: 'A token is shorter than the minimum.',
  TOKEN_CHARS: 'A token has characters a bearer header cannot carry.',
  TOKEN_SHAPE: 'A token entry is not { id, token, scopes }.',
  TOKEN_REUSED: 'Two entries share one token.',
  TOKEN_WEAK: 'A token is not random enough.',
  TOKENS_FILE: 'The tokens file cannot be read.',
  TOKENS_FILE_MODE: 'The tokens file is readable by others.',
  TOKENS_JSON: 'The tokens JSON does not parse.',
  TRUST_PROXY: 'The proxy-trust setting would defeat per-client limits.',
  BASE_PATH: 'The base path is malformed.',
  ALLOWED_HOSTS: 'The allowed Host names are malformed.',
  AUDIT_LOG: 'The audit log destination is unusable.',
  DUMPS_DIRECTORY: 'The dump store directory is unusable.',
  STORE_IN_USE: 'Another live process holds the persistent dump store (storeDir).',
  OPTION_TYPE: 'An option has the wrong type.',
  TLS: 'The TLS options are unusable.',
  INSECURE_REMOTE: 'A non-loopback address without TLS would send bearer tokens in the clear.',
  EGRESS_OPTIONS: 'An egress destination is misconfigured.',
  EVAL_OPTIONS: 'The eval options or an app command are misconfigured.',
} as const;

/** A request that cannot be served as asked. */
const REQUEST = {
  BAD_REQUEST: 'The request could not be understood: a URI Express cannot parse, invalid JSON, or a body that is not a JSON object.',
  UNKNOWN_PARAMETER: 'A parameter (query or JSON body field) the endpoint does not take; the message lists the ones it does.',
  REPEATED_PARAMETER: 'A parameter given more than once.',
  INVALID_PARAMETER: 'A parameter (path, query or JSON body field) whose value is out of range or malformed, or a combination that cannot be; the message names it and says what is allowed.',
  CONFLICTING_TRIGGERS: 'More than one of `delay`, `at` and `when`.',
  DUPLICATE_HEADER: 'A header that must appear once appears twice.',
  UNAUTHORIZED: 'No valid bearer token (missing, another scheme, or unknown); `WWW-Authenticate: Bearer`.',
  FORBIDDEN: "The token lacks the endpoint's scope, or the further scope its parameters need (`redact=false`: `heap-raw`; on `/report`, `eval`).",
  NOT_FOUND: 'No such endpoint, dump or command, or a dump not ready yet.',
  METHOD_NOT_ALLOWED: 'The path exists for other methods; `Allow` says which.',
  HOST_NOT_ALLOWED: "The `Host` header names neither this endpoint's address nor an `allowedHosts` entry.",
  RATE_LIMITED: 'Too many requests; `Retry-After` says how many seconds to wait.',
  TOO_MANY_JOBS: 'Too many scheduled dumps are pending (`dumps.maxPendingJobs`).',
  OPERATION_IN_PROGRESS: 'An operation of that kind is already running on that thread of the app; `Retry-After` says when to try again.',
  NO_PROBE: 'The target runs no main-thread probe (a sidecar): no GC history, so no leak verdict (`/memory/leaks`; `/memory` still works).',
  PAYLOAD_TOO_LARGE: 'The request body is larger than the endpoint accepts.',
  SIDE_EFFECT: 'The expression would change state, and this evaluation is read-only; nothing was changed.',
  EVALUATION_TIMEOUT: 'An evaluation ran past its time limit (`timeoutMs`) and was stopped, or its promise did not settle in time; the body adds `phase` and `loopBlocked`.',
  EVALUATION_MEMORY: "An evaluation grew the process's memory past its budget (`eval.memoryBudgetBytes`) and was stopped; the body adds `budgetBytes`, `grownAtStopBytes` and `grownBytes`.",
  EVALUATION_UNBOUNDED: 'The expression would give a builtin work V8 cannot interrupt (an array method through `.call`/`.apply`/`.bind`/`Reflect.apply`, or a `length`, `Array(n)`, `repeat(n)`, `padStart(n)` that is not a constant of at most `maxLength`, 1,000,000); nothing ran.',
  COMMAND_FAILED: 'An app command threw (or answered something that is not JSON); its message is passed on, never its stack.',
  COMMAND_TIMEOUT: "An app command did not answer in time (in worker mode: the app's event loop may be blocked).",
  PAUSE_TOO_LONG: "The operation would stop the app's main thread too long for a heap this large (`/memory/leaks?types=count` above 512 MiB in use); the body adds `heapUsedBytes` and `limitBytes`; nothing ran.",
} as const;

/** The target, the inspector, the machine. */
const TARGET = {
  TARGET_UNAVAILABLE: "The inspected process cannot be reached right now (a sidecar's target gone or not up yet); `Retry-After: 1`.",
  INSPECTOR_ERROR: 'An inspector command failed; the message names the command.',
  THREAD_NOT_FOUND: 'No live thread of the app has the id `?thread=` names; the body adds `threads`, the live ids (0 is the main thread).',
  THREAD_EXITED: 'The worker thread exited before the operation finished; nothing of it was kept.',
  EVALUATION_FAILED: 'An expression evaluated in the target threw.',
  OPERATION_ABORTED: 'The operation stopped because its requester went away or cancelled it.',
  STREAM_STALLED: 'A download made no progress for the stall timeout and was aborted.',
  NAMED_PIPE_UNAVAILABLE: 'A named pipe cannot be made here; another engine is used.',
  INSUFFICIENT_STORAGE: 'The dump store has no room for the artifact (for a heap snapshot: twice the heap in use, or the heap limit for near-heap-limit, plus `dumps.reserveBytes`).',
  INSUFFICIENT_MEMORY: 'A heap snapshot would need more memory than the process may still use (cgroup limit, `memoryLimit`, or the host); the body adds `estimateBytes`, `limitBytes`, `availableBytes` and `source`; nothing was taken; `force=1` takes it anyway.',
  SHUTTING_DOWN: 'The endpoint is closing.',
  EGRESS_ABORTED: 'An upload was stopped because its requester went away or cancelled it; its multipart upload was aborted.',
  EGRESS_SOURCE_FAILED: 'The artifact failed while it was being uploaded; the multipart upload was aborted and nothing was kept.',
  EGRESS_UPLOAD_FAILED: "The object store refused or failed the upload (credentials, permissions, bucket, network); the message has the store's error code and status, never a credential.",
  SNAPSHOT_SERIES: 'A diff series of heap snapshots was asked to start while one is open, or to continue or end while none is.',
  ANALYSIS_NOT_IN_APP: "Heavy analysis never runs in the app's process: in worker or router mode, analyze with the CLI or through a sidecar.",
  SNAPSHOT_MALFORMED: 'The input is not a whole, well-formed heap snapshot (empty, truncated, not a snapshot, or a meta this version cannot read); the message gives the byte offset.',
  INTERNAL_ERROR: 'The endpoint failed; its log says why (the answer never does).',
  MISCONFIGURED: "The endpoint refuses to serve: the app's settings make it unsafe (router mode: `trust proxy` set to believe every hop after mounting); its log says which.",
} as const;

/**
 * Every code the package raises, with what it means (docs/api.md's error tables are rendered from it
 * by `npm run docs`): declared here once, frozen, and no other file makes a code; the sources are
 * checked for it (test/error-catalogue.test.ts).
 */
export const ERROR_CODES = Object.freeze({ ...START_UP, ...REQUEST, ...TARGET });

/** The codes a start refuses with (ConfigError), never an HTTP answer; every other code is one. */
export const START_UP_CODES: readonly ErrorCode[] = Object.freeze(Object.keys(START_UP) as ErrorCode[]);

export type ErrorCode = keyof typeof ERROR_CODES;

export interface ErrorOptions {
  /** When the same request may succeed: seconds to wait. */
  retryAfterSeconds?: number;
  /** Structured facts a client may act on (figures, limits), sent beside the message. */
  details?: Record<string, unknown>;
  cause?: unknown;
}

/** The base of every error the package raises on purpose. Anything else is a bug, reported as INTERNAL_ERROR. */
export class MaintenanceError extends Error {
  readonly code: ErrorCode;
  readonly retryAfterSeconds: number | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, options: ErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'MaintenanceError';
    this.code = code;
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.details = options.details;
  }
}

/** Thrown at start-up when the options are unusable: the endpoint refuses to start rather than start weakly. */
export class ConfigError extends MaintenanceError {
  constructor(code: ErrorCode, message: string) {
    super(code, message);
    this.name = 'ConfigError';
  }
}

/** An inspector command failed; `method` names it, the message is the inspector's own (nothing secret). */
export class ProtocolError extends MaintenanceError {
  readonly method: string;

  constructor(method: string, message: string) {
    super('INSPECTOR_ERROR', `${method} failed: ${message}`);
    this.name = 'ProtocolError';
    this.method = method;
  }
}

/** An operation stopped early because nobody waits for it any more; not a failure to report. */
export class OperationAbortedError extends MaintenanceError {
  constructor(what: string) {
    super('OPERATION_ABORTED', `${what} stopped early: nobody waits for it any more.`);
    this.name = 'OperationAbortedError';
  }
}

// The catalogue's constructors for errors raised from more than one place.

export const invalidParameter = (name: string, must: string): MaintenanceError =>
  new MaintenanceError('INVALID_PARAMETER', `Parameter "${name}" must be ${must}.`);

export const notFound = (message = 'No such endpoint.'): MaintenanceError => new MaintenanceError('NOT_FOUND', message);

export const targetUnavailable = (message: string): MaintenanceError =>
  new MaintenanceError('TARGET_UNAVAILABLE', message, { retryAfterSeconds: 1 });

export const operationInProgress = (what: string, retryAfterSeconds: number): MaintenanceError =>
  new MaintenanceError('OPERATION_IN_PROGRESS', `A ${what} is already running in this process; retry later.`, { retryAfterSeconds });

export const isCode = (error: unknown, code: ErrorCode): boolean => error instanceof MaintenanceError && error.code === code;
