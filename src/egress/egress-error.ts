import { MaintenanceError } from '../errors.js';
import type { S3Destination } from '../options/egress-options.js';
import { resolvedCredentialValues } from './s3-sdk.js';

export type EgressErrorCode = 'EGRESS_ABORTED' | 'EGRESS_SOURCE_FAILED' | 'EGRESS_UPLOAD_FAILED';

/**
 * Why an upload failed, in words fit for a log and an HTTP answer: the S3 error code and status, the
 * bucket and key, and whether the multipart upload was cleaned up. Never a credential: the messages
 * are built from known fields, and any key material, configured or resolved, is masked out of the
 * server's text (`redactCredentials`).
 */
export class EgressError extends MaintenanceError {
  declare readonly code: EgressErrorCode;
  /** The object store's error code (`AccessDenied`, `SignatureDoesNotMatch`, `NoSuchBucket`...) or network error code. */
  readonly s3Code: string | undefined;
  readonly httpStatus: number | undefined;

  constructor(code: EgressErrorCode, message: string, details: { s3Code?: string; httpStatus?: number } = {}) {
    super(code, message);
    this.name = 'EgressError';
    this.s3Code = details.s3Code;
    this.httpStatus = details.httpStatus;
  }
}

interface SdkLikeError {
  name?: unknown;
  code?: unknown;
  Code?: unknown;
  message?: unknown;
  $metadata?: { httpStatusCode?: unknown };
  cause?: unknown;
}

/** The S3 (or network) error code, HTTP status and a cleaned message of whatever the SDK threw. */
export function describeS3Failure(error: unknown, destination: S3Destination): { s3Code?: string; httpStatus?: number; text: string } {
  const sdkError = (typeof error === 'object' && error !== null ? error : {}) as SdkLikeError;
  const found = [sdkError.Code, sdkError.code, sdkError.name].find((value): value is string => typeof value === 'string' && value !== 'Error');
  // The code is the store's text too: cleaned like the message.
  const s3Code = found === undefined ? undefined : redactCredentials(found.slice(0, 100), destination);
  const status = sdkError.$metadata?.httpStatusCode;
  const httpStatus = typeof status === 'number' ? status : undefined;
  const raw = typeof sdkError.message === 'string' && sdkError.message !== '' ? sdkError.message : String(error);
  const text = redactCredentials(raw.split('\n')[0]!.slice(0, 300), destination);
  return { ...(s3Code !== undefined && { s3Code }), ...(httpStatus !== undefined && { httpStatus }), text };
}

/**
 * The environment variables the AWS SDK takes credentials from (and the legacy names some tools still
 * set): their values are masked even before the SDK has resolved them.
 */
const CREDENTIAL_VARIABLES = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_SECURITY_TOKEN', 'AWS_ACCESS_KEY', 'AWS_SECRET_KEY'];

/**
 * Masks key material wherever it appears in `text`, by value, whatever its source: the destination's
 * configured credentials, those the SDK resolved from its default chain, and the credential variables
 * of the environment. A store's error message that quotes a key id or a session token is relayed
 * without it.
 */
export function redactCredentials(text: string, destination: S3Destination): string {
  let clean = text;
  const { credentials } = destination;
  const secrets = new Set([credentials?.secretAccessKey, credentials?.sessionToken, credentials?.accessKeyId, ...resolvedCredentialValues(), ...CREDENTIAL_VARIABLES.map((name) => process.env[name])]);
  // Longest first: a value that contains another is masked whole.
  for (const secret of [...secrets].sort((a, b) => (b?.length ?? 0) - (a?.length ?? 0))) {
    if (secret !== undefined && secret.length >= 4) clean = clean.split(secret).join('[redacted]');
  }
  // Anything shaped like a SigV4 signature or a presigned query is no business of a log either.
  return clean.replace(/(Signature|Credential|X-Amz-Signature|X-Amz-Credential|X-Amz-Security-Token)=[^&\s,]+/gi, '$1=[redacted]');
}
