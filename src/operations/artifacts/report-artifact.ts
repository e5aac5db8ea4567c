import { jsonDocumentArtifact } from './artifact-kind.js';

/**
 * Node's diagnostic report, for a rule's dump: always redacted, and with every positional argument
 * redacted too (a stored file outlives the request that could have named harmless ones).
 */
export const reportArtifact = jsonDocumentArtifact({
  kind: 'report',
  scope: 'read',
  // Not heavy, but one at a time is plenty: the report is built on the main thread.
  lock: 'stack',
  extension: 'report.json',
  async take(target) {
    const { diagnosticReport } = await import('../diagnostic-report.js');
    return { document: await diagnosticReport(target, { redact: true }), facts: {} };
  },
});
