import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { notFound, OperationAbortedError } from '../errors.js';
import type { RunningOperation } from '../operations/operation-registry.js';
import { inSlot } from '../operations/slot-sequence.js';
import type { ParamValues } from '../params/param-spec.js';
import type { ApiContext } from './api-context.js';
import { forbidden, methodNotAllowed } from './errors.js';
import { readPathParams, readQuery } from './query.js';
import { readJsonBody } from './read-body.js';
import type { RateLimiters } from './rate-limits.js';
import { requestState } from './request-state.js';
import type { RouteCall, RouteDefinition } from './routes/route.js';
import { onResponseClosed } from './response-closed.js';

/**
 * Runs the route for the request's method, after everything a route declares is checked, in this
 * order: method (405 with Allow; Express would run a GET handler for HEAD), the path's parameters
 * (400), scope (403, or 404 when what the path names does not exist), query parameters (400, or 403 when their values need a further scope;
 * before any rate limit is spent on a typo), the JSON body, when the route declares one (413 past its
 * size limit, 400 naming a bad field), the heavy-operation limit (429), and the process-wide slot (409).
 * The handler gets typed values.
 */
export function dispatch(group: RouteDefinition[], limits: RateLimiters, context: ApiContext): RequestHandler {
  const allow = group.map((route) => route.method).join(', ');
  return (req: Request, res: Response, next: NextFunction): void => {
    const route = group.find((candidate) => candidate.method === req.method);
    if (route === undefined) return next(methodNotAllowed(req.method, allow));
    const state = requestState(res);
    state.routePath = route.path;
    const caller = state.caller!;
    let params: ParamValues<Record<string, never>>;
    let pathParams: ParamValues<Record<string, never>>;
    try {
      pathParams = readPathParams(req, route.pathParams ?? {});
      const scope = typeof route.scope === 'string' ? route.scope : route.scope.of(req, context, pathParams);
      if (scope === undefined) throw notFound('No such item.');
      if (!caller.scopes.includes(scope)) throw forbidden(`Token "${caller.tokenId}" lacks the "${scope}" scope this endpoint needs.`);
      params = readQuery(req, route.params?.(context.config) ?? {});
      route.checkParams?.(params, context);
      const further = route.paramScope?.(params);
      if (further !== undefined && !caller.scopes.includes(further)) throw forbidden(`Token "${caller.tokenId}" lacks the "${further}" scope these parameters need.`);
    } catch (error) {
      return next(error);
    }
    const given = Object.fromEntries(Object.entries(params).filter(([, value]) => value !== undefined));
    if (Object.keys(given).length > 0 || route.audited) state.auditParams = route.audited?.(params) ?? given;
    const proceed = (body: Record<string, unknown>) => {
      const run = () => void runRoute(route, req, res, context, params, pathParams, body).catch(next);
      const heavy = typeof route.heavy === 'function' ? route.heavy(params) : route.heavy === true;
      if (heavy) limits.heavy(req, res, (error?: unknown) => (error ? next(error) : run()));
      else run();
    };
    if (route.body === undefined) proceed({});
    else readJsonBody(req, res, route.body(context.config), route.bodyLimitBytes).then(proceed, next);
  };
}

async function runRoute(
  route: RouteDefinition,
  req: Request,
  res: Response,
  context: ApiContext,
  params: ParamValues<Record<string, never>>,
  pathParams: ParamValues<Record<string, never>>,
  body: Record<string, unknown>,
): Promise<void> {
  const state = requestState(res);
  const kind = typeof route.operation?.kind === 'function' ? route.operation.kind(params, context) : route.operation?.kind;
  // Made once the slot is held: a request refused with 409 leaves nothing behind.
  let call: RouteCall<typeof params, typeof body, typeof pathParams> | undefined;
  const callWith = (operation: RunningOperation | undefined) =>
    (call ??= { req, res, context, params, pathParams, body, caller: state.caller!, operation, signal: clientGone(res), audit: state });
  try {
    await inSlot({
      take: () => (kind === undefined ? undefined : context.operations.begin(kind, route.operation?.expectedMs?.(params))),
      admit: async (operation) => route.admit?.(callWith(operation)),
      started: (admission, operation) => {
        if (admission !== undefined) state.auditResult = { admission };
        if (operation === undefined) return;
        context.log.started({
          tokenId: state.caller?.tokenId ?? null,
          client: req.socket.remoteAddress,
          method: req.method,
          path: req.originalUrl.split('?')[0]!.slice(0, 256),
          ...(state.auditParams ? { params: state.auditParams } : {}),
          ...(admission ? { admission } : {}),
        });
      },
      produce: async (operation) => route.handle(callWith(operation)),
    });
  } catch (error) {
    // Only a client that went away aborts a request's operation: there is nobody to answer, and nothing failed.
    if (error instanceof OperationAbortedError) return;
    throw error;
  }
}

/** Aborts when the client goes away before the response is complete. */
function clientGone(res: Response): AbortSignal {
  const controller = new AbortController();
  onResponseClosed(res, () => {
    if (!res.writableFinished) controller.abort();
  });
  return controller.signal;
}
