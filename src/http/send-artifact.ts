import type { Response } from 'express';
import type { Artifact } from '../operations/artifact-formats.js';
import { attachment } from './artifact-name.js';

/** Sends a finished artifact as a download named `<host>-<pid>-<timestamp>.<extension>`. */
export function sendArtifact(res: Response, { body, extension, contentType }: Artifact): void {
  res.status(200);
  res.setHeader('Content-Type', contentType);
  res.setHeader('Content-Disposition', attachment(extension));
  res.end(body);
}

/** Aborts when the client goes away before the response is complete. */
export function clientGone(res: Response): AbortSignal {
  const controller = new AbortController();
  res.once('close', () => {
    if (!res.writableFinished) controller.abort();
  });
  return controller.signal;
}
