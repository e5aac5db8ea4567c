import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';

/** What a request that found no handler is told, and its path and the reason for the log. */
export type BuildFailureReport = (failure: { path: string | undefined; code: 'INTERNAL_ERROR'; detail: string }) => void;

/**
 * A request listener that builds its handler on the first request; requests that arrive meanwhile wait for
 * it. Should the build fail (a module missing from a broken install), each request gets a JSON 500 and
 * `report` says why, as the error handler would have done. It imports nothing at run time, so that an entry
 * loaded with the package can hold one.
 */
export function lazyListener(build: () => Promise<RequestListener>, report: BuildFailureReport): RequestListener {
  let handler: RequestListener | undefined;
  let building: Promise<RequestListener> | undefined;
  return (req: IncomingMessage, res: ServerResponse) => {
    if (handler !== undefined) return void handler(req, res);
    building ??= build().then((built) => (handler = built));
    building.then(
      (built) => built(req, res),
      (error: unknown) => {
        report({ path: req.url?.split('?')[0], code: 'INTERNAL_ERROR', detail: error instanceof Error ? error.message : String(error) });
        const body = JSON.stringify({ error: { code: 'INTERNAL_ERROR', message: 'The operation failed inside the endpoint; see its log.' } });
        res.statusCode = 500;
        res.setHeader('Content-Type', 'application/json; charset=utf-8');
        res.setHeader('Content-Length', Buffer.byteLength(body));
        res.end(body);
      },
    );
  };
}
