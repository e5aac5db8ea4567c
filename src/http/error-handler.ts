import type { ErrorRequestHandler } from 'express';
import { MaintenanceError } from '../errors.js';
import type { AuditLogger } from '../log/audit-logger.js';
import { STATUS_OF } from './error-status.js';

/** Headers a failed artifact response may have set before the failure; an error body must not carry them. */
const ARTIFACT_HEADERS = ['Content-Disposition', 'Content-Encoding', 'Content-Length', 'Vary', 'Maintenance-Warning'];

/** Codes whose message may name internals: the client gets the catalogue's generic text, the log the rest. */
const GENERIC = new MaintenanceError('INTERNAL_ERROR', 'The operation failed inside the endpoint; see its log.');

/**
 * The last word on every failure: JSON `{ error: { code, message, ...details } }` with the status the
 * code maps to. Unknown errors are logged (with their stack) and answered with a generic 500: no stack,
 * path or message of the internals ever reaches the client. After the body has started, the response
 * is cut off instead of completed, so the client can tell the artifact is not whole.
 */
export function errorHandler(log: AuditLogger): ErrorRequestHandler {
  return (error, req, res, _next) => {
    const known = toMaintenanceError(error);
    const status = STATUS_OF[known.code];
    if (status >= 500) {
      log.error('request failed', { path: req.originalUrl.split('?')[0], code: known.code, detail: describe(error) });
    }
    if (res.headersSent) {
      res.destroy();
      return;
    }
    for (const name of ARTIFACT_HEADERS) if (res.hasHeader(name)) res.removeHeader(name);
    const { headers, body, length } = responseOf(known);
    for (const [name, value] of headers) res.setHeader(name, value);
    // Written as is rather than through res.json(): an error body needs no ETag (a hash of every body)
    // nor freshness checks, and under an unauthenticated flood in router mode the app pays for each one.
    res.statusCode = status;
    res.setHeader('Content-Type', 'application/json; charset=utf-8');
    res.setHeader('Content-Length', length);
    res.end(body);
  };
}

/**
 * What an error's response says, made once per error object and kept on it (a refusal answers with the
 * same object every time), under a symbol of ours rather than in a WeakMap (see request-state.ts).
 */
const RESPONSE = Symbol('maintenance-endpoint error response');
interface ErrorResponse {
  headers: Array<[string, string]>;
  body: string;
  length: number;
}

function responseOf(error: MaintenanceError): ErrorResponse {
  const holder = error as MaintenanceError & { [RESPONSE]?: ErrorResponse };
  return (holder[RESPONSE] ??= errorResponse(error));
}

function errorResponse(error: MaintenanceError): ErrorResponse {
  const body = JSON.stringify({ error: { code: error.code, message: error.message, ...error.details } });
  return { headers: Object.entries(headersOf(error)), body, length: Buffer.byteLength(body) };
}

function headersOf(error: MaintenanceError): Record<string, string> {
  const headers: Record<string, string> = {};
  if (error.retryAfterSeconds !== undefined) headers['Retry-After'] = String(error.retryAfterSeconds);
  if (error.code === 'UNAUTHORIZED') headers['WWW-Authenticate'] = 'Bearer realm="maintenance-endpoint"';
  const allow = error.details?.allow;
  if (error.code === 'METHOD_NOT_ALLOWED' && typeof allow === 'string') headers.Allow = allow;
  return headers;
}

function toMaintenanceError(error: unknown): MaintenanceError {
  if (error instanceof MaintenanceError) {
    // Start-up and engine codes never reach a client as such: they would only describe internals. A
    // failed app command is the app's own message, which its caller needs.
    return STATUS_OF[error.code] === 500 && error.code !== 'INSPECTOR_ERROR' && error.code !== 'COMMAND_FAILED' ? GENERIC : error;
  }
  const status = (error as { status?: unknown } | null)?.status;
  // Errors raised by Express itself (a malformed URI, say) carry a 4xx status and a safe meaning.
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new MaintenanceError('BAD_REQUEST', 'The request could not be understood.');
  }
  return GENERIC;
}

function describe(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}
