import type { ErrorRequestHandler } from 'express';
import type { AuditLogger } from '../log/audit-logger.js';
import { ProtocolError } from '../targets/inspector-session-target.js';
import { TargetUnavailableError } from '../targets/target.js';
import { HttpError } from './errors.js';

/** Headers a failed artifact response may have set before the failure; an error body must not carry them. */
const ARTIFACT_HEADERS = ['Content-Disposition', 'Content-Encoding', 'Content-Length', 'Vary'];

/**
 * The last word on every failure: JSON `{ error: { code, message } }` with the right status. Unknown
 * errors are logged (with their stack) and answered with a generic 500: no stack, path or message of
 * the internals ever reaches the client. After the body has started, the response is cut off instead
 * of completed, so the client can tell the artifact is not whole.
 */
export function errorHandler(log: AuditLogger): ErrorRequestHandler {
  return (error, req, res, _next) => {
    const httpError = toHttpError(error);
    if (httpError.status >= 500) {
      log.error('request failed', { path: req.originalUrl.split('?')[0], code: httpError.code, detail: describe(error) });
    }
    if (res.headersSent) {
      res.destroy();
      return;
    }
    for (const name of ARTIFACT_HEADERS) res.removeHeader(name);
    for (const [name, value] of Object.entries(httpError.headers)) res.setHeader(name, value);
    res.status(httpError.status).json({ error: { code: httpError.code, message: httpError.message } });
  };
}

function toHttpError(error: unknown): HttpError {
  if (error instanceof HttpError) return error;
  if (error instanceof TargetUnavailableError) return new HttpError(503, 'TARGET_UNAVAILABLE', error.message, { 'Retry-After': '1' });
  // The inspector's own messages name the failed command and say nothing secret.
  if (error instanceof ProtocolError) return new HttpError(500, 'INSPECTOR_ERROR', error.message);
  const status = (error as { status?: unknown } | null)?.status;
  // Errors raised by Express itself (a malformed URI, say) carry a 4xx status and a safe meaning.
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new HttpError(status, 'BAD_REQUEST', 'The request could not be understood.');
  }
  return new HttpError(500, 'INTERNAL_ERROR', 'The operation failed inside the endpoint; see its log.');
}

function describe(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}
