/**
 * Every failure the API reports is an HttpError: a status, a stable machine-readable code and a
 * message written for the operator. The error handler turns it into `{ "error": { code, message } }`;
 * anything that is not an HttpError becomes a generic 500 so internals never leak.
 */
export class HttpError extends Error {
  readonly status: number;
  readonly code: string;
  readonly headers: Readonly<Record<string, string>>;

  constructor(status: number, code: string, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.name = 'HttpError';
    this.status = status;
    this.code = code;
    this.headers = headers;
  }
}

export const badRequest = (code: string, message: string): HttpError => new HttpError(400, code, message);

export const unauthorized = (message: string): HttpError =>
  new HttpError(401, 'UNAUTHORIZED', message, { 'WWW-Authenticate': 'Bearer realm="maintenance-endpoint"' });

export const forbidden = (message: string): HttpError => new HttpError(403, 'FORBIDDEN', message);

export const notFound = (message = 'No such endpoint.'): HttpError => new HttpError(404, 'NOT_FOUND', message);

export const methodNotAllowed = (method: string, allowed: string): HttpError =>
  new HttpError(405, 'METHOD_NOT_ALLOWED', `${method} is not allowed here; use ${allowed}.`, { Allow: allowed });

export const busy = (what: string, retryAfterSeconds: number): HttpError =>
  new HttpError(409, 'OPERATION_IN_PROGRESS', `A ${what} is already running in this process; retry later.`, {
    'Retry-After': String(retryAfterSeconds),
  });
