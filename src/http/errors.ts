import { MaintenanceError } from '../errors.js';

/** The catalogue's errors that only the HTTP layer raises, with the facts their headers need. */

export const unauthorized = (message: string): MaintenanceError => new MaintenanceError('UNAUTHORIZED', message);

export const forbidden = (message: string): MaintenanceError => new MaintenanceError('FORBIDDEN', message);

export const methodNotAllowed = (method: string, allowed: string): MaintenanceError =>
  new MaintenanceError('METHOD_NOT_ALLOWED', `${method} is not allowed here; use ${allowed}.`, { details: { allow: allowed } });
