import type { S3Destination } from '../../options/egress-options.js';
import type { ParamSpec } from '../../params/param-spec.js';

/**
 * `egress=NAME`: one of the configured destinations. The description lists them, so a mistyped or
 * unknown name is answered with the names that would have worked (the names only: a destination's
 * bucket, endpoint and credentials are configuration, not something a caller needs to see).
 */
export function egressParam(destinations: Record<string, S3Destination>): ParamSpec<string> {
  const names = Object.keys(destinations);
  return {
    describe: names.length === 0 ? 'a destination named in the `egress` option' : `one of the configured destinations: ${names.join(', ')}`,
    meaning: 'upload the artifact to that S3-compatible destination as it is produced, and answer with where it landed (JSON) instead of the artifact',
    parse: (raw) => (Object.hasOwn(destinations, raw) ? raw : undefined),
  };
}
