import type { AuditLogger } from '../log/audit-logger.js';
import type { OpsServerEvents } from './listen.js';
import type { ResolvedServerSecurity } from './server-options.js';

/** A server's connection-level events as audit lines: refusals in counts, errors once each. */
export function serverEvents(log: AuditLogger): OpsServerEvents {
  return {
    onRefused: (count) => log.warn('connections refused: maxConnections reached', { count }),
    onTlsFailure: (count, lastReason) => log.warn('TLS handshakes refused', { count, lastReason }),
    onError: (error) => log.error('server error', { code: error.code, detail: error.message }),
  };
}

/**
 * What an operator must be told on every start: plain HTTP beyond loopback was explicitly allowed.
 * Returned for the index and written to the audit log.
 */
export function startWarnings(host: string, security: ResolvedServerSecurity, log: AuditLogger): string[] {
  if (!security.insecureRemote) return [];
  const warning = `Plain HTTP on ${host} (allowInsecureRemote): bearer tokens and artifacts cross the network unencrypted.`;
  log.warn('insecure remote listening', { host, detail: warning });
  return [warning];
}
