import express, { type Request, type Response } from 'express';
import { MaintenanceError } from '../errors.js';
import { parseBody, type FieldSpecs, type FieldValues } from '../params/body-spec.js';

/** Bodies are small JSON documents (an expression, a command's parameters): anything larger is refused unread. */
export const DEFAULT_BODY_LIMIT_BYTES = 64 * 1024;

const parsers = new Map<number, ReturnType<typeof express.json>>();

/**
 * Reads a route's JSON body within `limitBytes` (413 beyond it, before the rest is read) and checks it
 * against the route's field specs (400 naming the field). Any other content type reads as no body,
 * which the specs then refuse.
 */
export function readJsonBody<S extends FieldSpecs>(req: Request, res: Response, specs: S, limitBytes = DEFAULT_BODY_LIMIT_BYTES): Promise<FieldValues<S>> {
  let parser = parsers.get(limitBytes);
  if (parser === undefined) parsers.set(limitBytes, (parser = express.json({ limit: limitBytes, strict: true })));
  return new Promise((resolve, reject) => {
    parser(req, res, (error?: unknown) => {
      if (error !== undefined) return reject(bodyError(error, limitBytes));
      try {
        resolve(parseBody(req.body, specs));
      } catch (parseError) {
        reject(parseError);
      }
    });
  });
}

function bodyError(error: unknown, limitBytes: number): MaintenanceError {
  const type = (error as { type?: unknown } | null)?.type;
  if (type === 'entity.too.large') return new MaintenanceError('PAYLOAD_TOO_LARGE', `The request body is larger than ${limitBytes} bytes.`);
  // The parser's own message may quote the body: only its kind is passed on.
  return new MaintenanceError('BAD_REQUEST', type === 'entity.parse.failed' ? 'The request body is not valid JSON.' : 'The request body could not be read.');
}
