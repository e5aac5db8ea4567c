import { MaintenanceError } from '../errors.js';
import type { S3Destination } from '../options/egress-options.js';

export type EgressErrorCode = 'EGRESS_ABORTED' | 'EGRESS_SOURCE_FAILED' | 'EGRESS_UPLOAD_FAILED';

/**
 * Why an upload failed, in words fit for a log and an HTTP answer: the S3 error code and status, the
 * bucket and key, and whether the multipart upload was cleaned up. Never a credential: the messages
 * are built from known fields, and any configured key material is masked out of the server's text.
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
  const s3Code = [sdkError.Code, sdkError.code, sdkError.name].find((value): value is string => typeof value === 'string' && value !== 'Error');
  const status = sdkError.$metadata?.httpStatusCode;
  const httpStatus = typeof status === 'number' ? status : undefined;
  const raw = typeof sdkError.message === 'string' && sdkError.message !== '' ? sdkError.message : String(error);
  const text = redactCredentials(raw.split('\n')[0]!.slice(0, 300), destination);
  return { ...(s3Code !== undefined && { s3Code }), ...(httpStatus !== undefined && { httpStatus }), text };
}

/** Masks the destination's configured key material wherever it appears in `text`. */
export function redactCredentials(text: string, destination: S3Destination): string {
  let clean = text;
  const { credentials } = destination;
  for (const secret of [credentials?.secretAccessKey, credentials?.sessionToken, credentials?.accessKeyId]) {
    if (secret !== undefined && secret.length >= 4) clean = clean.split(secret).join('[redacted]');
  }
  // Anything shaped like a SigV4 signature or a presigned query is no business of a log either.
  return clean.replace(/(Signature|Credential|X-Amz-Signature|X-Amz-Credential|X-Amz-Security-Token)=[^&\s,]+/gi, '$1=[redacted]');
}
