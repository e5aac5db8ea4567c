import type { RequestHandler } from 'express';
import type { AuditLogger } from '../log/audit-logger.js';
import { requestState } from './request-state.js';
import { onResponseClosed } from './response-closed.js';

/**
 * One audit line per request, written when the connection is done with it (finished or aborted):
 * who (token id, never the token), from where, what, the outcome, bytes sent and duration. Query
 * values appear only as the route validated them (the request state's auditParams), so nothing unvetted is logged.
 */
export function auditRequests(log: AuditLogger): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    const bytesBefore = req.socket.bytesWritten;
    const path = req.originalUrl.split('?')[0]!.slice(0, 256);
    onResponseClosed(res, () => {
      const { caller, auditParams, auditResult } = requestState(res);
      log.request({
        tokenId: caller?.tokenId ?? null,
        client: req.socket.remoteAddress,
        method: req.method,
        path,
        status: res.statusCode,
        bytes: req.socket.bytesWritten - bytesBefore,
        durationMs: Number(process.hrtime.bigint() - started) / 1e6,
        completed: res.writableFinished,
        ...(auditParams ? { params: auditParams } : {}),
        ...(auditResult ? { result: auditResult } : {}),
      });
    });
    next();
  };
}
