/**
 * The one catalogue of failures, as undici keeps its own: one base class, one vocabulary of codes, and
 * no transport in it. A code says what went wrong in the domain's terms; the HTTP layer alone decides
 * which status each code answers with (http/error-status.ts), and the CLI decides its exit codes.
 *
 * Messages are written for the operator and never carry a secret, a path of the machine or a stack.
 */

/** Every code the package raises, with what it means. docs/api.md lists the ones a client can see. */
export const ERROR_CODES = {
  // Configuration, at start-up: the endpoint refuses to start rather than start weakly.
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
  LISTEN_FAILED: 'The server cannot listen on the address.',
  OPTION_TYPE: 'An option has the wrong type.',
  TLS: 'The TLS options are unusable.',
  INSECURE_REMOTE: 'A non-loopback address without TLS would send bearer tokens in the clear.',
  EGRESS_OPTIONS: 'An egress destination is misconfigured.',
  EVAL_OPTIONS: 'The eval options or an app command are misconfigured.',

  // A request that cannot be served as asked.
  BAD_REQUEST: 'The request could not be understood.',
  UNKNOWN_PARAMETER: 'A parameter the endpoint does not take.',
  REPEATED_PARAMETER: 'A parameter given more than once.',
  INVALID_PARAMETER: 'A parameter whose value is out of range or malformed.',
  CONFLICTING_TRIGGERS: 'More than one of delay, at and when.',
  DUPLICATE_HEADER: 'A header that must appear once appears twice.',
  UNAUTHORIZED: 'No valid bearer token.',
  FORBIDDEN: "The token lacks the endpoint's scope.",
  NOT_FOUND: 'No such endpoint or item.',
  METHOD_NOT_ALLOWED: 'The path exists for other methods.',
  HOST_NOT_ALLOWED: 'The Host header does not name this endpoint.',
  RATE_LIMITED: 'Too many requests; retry after the stated wait.',
  TOO_MANY_JOBS: 'Too many scheduled dumps are pending.',
  OPERATION_IN_PROGRESS: 'An operation of that kind is already running in the process.',
  NO_PROBE: 'The target runs no main-thread probe, so its figures cannot be read.',
  PAYLOAD_TOO_LARGE: 'The request body is larger than the endpoint accepts.',
  SIDE_EFFECT: 'The expression would change state, and this evaluation is read-only.',
  EVALUATION_TIMEOUT: 'An evaluation ran past its time limit and was stopped, or its promise did not settle in time.',
  EVALUATION_UNBOUNDED: 'The expression would give a builtin work V8 cannot interrupt (a length or count that is not a small constant); nothing ran.',
  COMMAND_FAILED: "An app command threw; its message is passed on, never its stack.",
  COMMAND_TIMEOUT: "An app command did not answer in time (in worker mode: the app's event loop may be blocked).",
  PAUSE_TOO_LONG: "The operation would stop the app's main thread too long for a heap this large.",

  // The target, the inspector, the machine.
  TARGET_UNAVAILABLE: 'The inspected process cannot be reached right now.',
  INSPECTOR_ERROR: 'An inspector command failed.',
  THREAD_NOT_FOUND: 'No live thread of the app has that id; the live ids are listed.',
  THREAD_EXITED: 'The worker thread exited before the operation finished; nothing of it was kept.',
  EVALUATION_FAILED: 'An expression evaluated in the target threw.',
  OPERATION_ABORTED: 'The operation stopped because its requester went away or cancelled it.',
  STREAM_STALLED: 'A download made no progress for the stall timeout and was aborted.',
  NAMED_PIPE_UNAVAILABLE: 'A named pipe cannot be made here; another engine is used.',
  INSUFFICIENT_STORAGE: 'The dump store has no room for the artifact.',
  INSUFFICIENT_MEMORY: 'A heap snapshot would need more memory than the process may still use.',
  SHUTTING_DOWN: 'The endpoint is closing.',
  EGRESS_ABORTED: 'An upload was stopped because its requester went away or cancelled it; its multipart upload was aborted.',
  EGRESS_SOURCE_FAILED: 'The artifact failed while it was being uploaded; nothing was kept.',
  EGRESS_UPLOAD_FAILED: 'The object store refused or failed the upload (credentials, permissions, bucket, network).',
  SNAPSHOT_SERIES: 'A diff series of heap snapshots was asked to start while one is open, or to continue or end while none is.',
  ANALYSIS_NOT_IN_APP: "Heavy analysis never runs in the app's process: in worker or router mode, analyze with the CLI or through a sidecar.",
  SNAPSHOT_MALFORMED: 'The input is not a whole, well-formed heap snapshot (empty, truncated, not a snapshot, or a meta this version cannot read); the message gives the byte offset.',
  INTERNAL_ERROR: 'The endpoint failed; its log says why.',
} as const;

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
