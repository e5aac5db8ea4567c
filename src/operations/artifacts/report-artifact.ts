import { diagnosticReport } from '../diagnostic-report.js';
import { defineArtifact, JSON_TYPE } from './artifact-kind.js';

/**
 * Node's diagnostic report, for a rule's dump: always redacted, and with every positional argument
 * redacted too (a stored file outlives the request that could have named harmless ones).
 */
export const reportArtifact = defineArtifact({
  kind: 'report',
  scope: 'read',
  lock: 'stack',
  parameters: () => ({}),
  expectedMs: () => undefined,
  extension: () => 'report.json',
  contentType: () => JSON_TYPE,
  compressible: () => true,
  async produce(target, _params, sink) {
    sink.write(JSON.stringify(await diagnosticReport(target, { redact: true })));
    return {};
  },
});
