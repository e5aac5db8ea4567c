import { isIP } from 'node:net';
import type { Request, RequestHandler } from 'express';
import { MaintenanceError } from '../errors.js';
import { headerCount } from './single-headers.js';

/**
 * Refuses requests whose Host header names neither the address they arrived on nor a configured name.
 * A browser tricked by DNS rebinding sends the attacker's host name, so it is stopped here even
 * before the token check.
 */
export function hostCheck(allowedHosts: readonly string[]): RequestHandler {
  return (req, _res, next) => {
    // Node keeps the first of two Host headers, a proxy in front may route by the second.
    if (headerCount(req, 'host') > 1) return next(new MaintenanceError('DUPLICATE_HEADER', 'Send exactly one Host header.'));
    const host = (req.headers.host ?? '').toLowerCase();
    if (host !== '' && isAllowedHost(host, req, allowedHosts)) return next();
    next(new MaintenanceError('HOST_NOT_ALLOWED', 'The Host header does not name this endpoint; add the name to `allowedHosts`.'));
  };
}

function isAllowedHost(host: string, req: Request, allowedHosts: readonly string[]): boolean {
  const { name, port } = splitHost(host);
  const localPort = String(req.socket.localPort ?? '');
  const samePort = port === localPort || (port === '' && localPort === '80');
  const local = normalizeAddress(req.socket.localAddress ?? '');
  if (samePort && (name === local || (name === 'localhost' && isLoopback(local)))) return true;
  return allowedHosts.some((allowed) => {
    const entry = splitHost(allowed);
    return entry.name === name && (entry.port === '' || entry.port === port);
  });
}

function splitHost(host: string): { name: string; port: string } {
  const match = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(host);
  if (match === null) return { name: '\0', port: '' };
  return { name: normalizeAddress(match[1]!.replace(/^\[|\]$/g, '')), port: match[2] ?? '' };
}

function normalizeAddress(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return (mapped ? mapped[1]! : address).toLowerCase();
}

function isLoopback(address: string): boolean {
  return address === '::1' || (isIP(address) === 4 && address.startsWith('127.'));
}
