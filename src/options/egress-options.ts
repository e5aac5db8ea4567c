import { ConfigError } from '../errors.js';
import { DEFAULT_KEY_TEMPLATE, validateKeyTemplate } from './key-template.js';

/** An S3-compatible bucket that artifacts are copied to (AWS S3, MinIO, Ceph RGW, Cloudflare R2...). */
export interface S3DestinationOptions {
  type: 's3';
  bucket: string;
  /** Prepended to every key, e.g. `dumps/prod/`. */
  prefix?: string;
  region: string;
  /** For anything but AWS S3: `https://minio.example:9000`, `https://ACCOUNT.r2.cloudflarestorage.com`. */
  endpoint?: string;
  /** `https://endpoint/bucket/key` instead of `https://bucket.endpoint/key`: MinIO and Ceph usually need it. */
  forcePathStyle?: boolean;
  /** Static keys. Without them the SDK's default chain applies (env, shared files, IRSA / pod identity, IMDS). */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Asks the server to encrypt at rest: `AES256` or `aws:kms`. */
  serverSideEncryption?: 'AES256' | 'aws:kms' | 'aws:kms:dsse';
  /** KMS key for `aws:kms`; the bucket's default key when absent. */
  sseKmsKeyId?: string;
  /** When set, each upload returns a presigned GET URL valid this many seconds (at most 7 days, as SigV4 allows). */
  presignSeconds?: number;
  /** The object key below `prefix`, with named fields: see object-key.ts. */
  keyTemplate?: string;
  /** Bytes per part. Default 8 MiB; S3 needs at least 5 MiB. */
  partSize?: number;
  /** Parts in flight at once. Default 4. Memory held by one upload is at most queueSize x partSize. */
  queueSize?: number;
}

export interface EgressOptions {
  [name: string]: S3DestinationOptions;
}

/** A validated destination: defaults applied, ready for uploadArtifact. */
export interface S3Destination {
  name: string;
  type: 's3';
  bucket: string;
  prefix: string;
  region: string;
  endpoint: string | undefined;
  forcePathStyle: boolean;
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } | undefined;
  serverSideEncryption: S3DestinationOptions['serverSideEncryption'];
  sseKmsKeyId: string | undefined;
  presignSeconds: number | undefined;
  keyTemplate: string;
  partSize: number;
  queueSize: number;
}

const MIB = 1024 * 1024;
/** S3's smallest part (but the last) and the largest. */
const MIN_PART_SIZE = 5 * MIB;
const MAX_PART_SIZE = 5 * 1024 * MIB;
const MAX_PRESIGN_SECONDS = 7 * 24 * 3600;
const KNOWN_FIELDS = new Set([
  'type', 'bucket', 'prefix', 'region', 'endpoint', 'forcePathStyle', 'credentials', 'serverSideEncryption',
  'sseKmsKeyId', 'presignSeconds', 'keyTemplate', 'partSize', 'queueSize',
]);
const DESTINATION_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/;
// S3's rules for bucket names (lower case, digits, dots, hyphens, 3-63 characters).
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const REGION = /^[a-z0-9-]{1,40}$/;
const PREFIX = /^([A-Za-z0-9._-]+\/)*$/;

/**
 * Validates `egress` options into destinations by name. Every message names the option at fault and
 * never repeats a credential: a misplaced secret must not end up in a log through a config error.
 */
export function resolveEgressOptions(raw: unknown): Map<string, S3Destination> {
  const destinations = new Map<string, S3Destination>();
  if (raw === undefined) return destinations;
  if (!isPlainObject(raw)) fail('egress', 'must be an object of named destinations, e.g. { offsite: { type: "s3", ... } }');
  for (const [name, options] of Object.entries(raw)) {
    if (!DESTINATION_NAME.test(name)) fail('egress', `destination names are letters, digits, "_" and "-" (at most 63): ${JSON.stringify(name.slice(0, 64))} is not one`);
    destinations.set(name, resolveDestination(name, options));
  }
  return destinations;
}

function resolveDestination(name: string, raw: unknown): S3Destination {
  const at = (field?: string) => `egress.${name}${field === undefined ? '' : `.${field}`}`;
  if (!isPlainObject(raw)) fail(at(), 'must be an object');
  for (const field of Object.keys(raw)) {
    if (!KNOWN_FIELDS.has(field)) fail(at(field), 'is not an option (a misspelling?)');
  }
  if (raw.type !== 's3') fail(at('type'), 'must be "s3" (the only kind of destination so far)');

  const bucket = raw.bucket;
  if (typeof bucket !== 'string' || !BUCKET_NAME.test(bucket)) fail(at('bucket'), 'must be a bucket name: 3-63 lower-case letters, digits, "." and "-"');
  const region = raw.region;
  if (typeof region !== 'string' || !REGION.test(region)) fail(at('region'), 'must be a region name such as "eu-west-1" ("us-east-1" or "auto" for most S3-compatible servers)');

  let prefix = optionalString(raw.prefix, at('prefix')) ?? '';
  if (prefix !== '' && !prefix.endsWith('/')) prefix += '/';
  if (prefix.startsWith('/') || !PREFIX.test(prefix) || prefix.split('/').some((segment) => segment === '.' || segment === '..')) {
    fail(at('prefix'), 'must be path segments of letters, digits, ".", "_" and "-", separated by "/" (no leading "/", no "." or ".." segments)');
  }

  const endpoint = optionalString(raw.endpoint, at('endpoint'));
  if (endpoint !== undefined) checkEndpoint(endpoint, at('endpoint'));

  const forcePathStyle = optionalBoolean(raw.forcePathStyle, at('forcePathStyle')) ?? false;
  const credentials = resolveCredentials(raw.credentials, at('credentials'));

  const serverSideEncryption = raw.serverSideEncryption;
  if (serverSideEncryption !== undefined && serverSideEncryption !== 'AES256' && serverSideEncryption !== 'aws:kms' && serverSideEncryption !== 'aws:kms:dsse') {
    fail(at('serverSideEncryption'), 'must be "AES256", "aws:kms" or "aws:kms:dsse"');
  }
  const sseKmsKeyId = optionalString(raw.sseKmsKeyId, at('sseKmsKeyId'));
  if (sseKmsKeyId !== undefined && serverSideEncryption !== 'aws:kms' && serverSideEncryption !== 'aws:kms:dsse') {
    fail(at('sseKmsKeyId'), 'only applies with serverSideEncryption "aws:kms" or "aws:kms:dsse"');
  }

  const presignSeconds = optionalInteger(raw.presignSeconds, at('presignSeconds'), 1, MAX_PRESIGN_SECONDS);
  const keyTemplate = optionalString(raw.keyTemplate, at('keyTemplate')) ?? DEFAULT_KEY_TEMPLATE;
  const templateProblem = validateKeyTemplate(keyTemplate);
  if (templateProblem !== undefined) fail(at('keyTemplate'), templateProblem);
  const partSize = optionalInteger(raw.partSize, at('partSize'), MIN_PART_SIZE, MAX_PART_SIZE) ?? 8 * MIB;
  const queueSize = optionalInteger(raw.queueSize, at('queueSize'), 1, 64) ?? 4;

  return {
    name,
    type: 's3',
    bucket,
    prefix,
    region,
    endpoint,
    forcePathStyle,
    credentials,
    serverSideEncryption,
    sseKmsKeyId,
    presignSeconds,
    keyTemplate,
    partSize,
    queueSize,
  };
}

function resolveCredentials(raw: unknown, at: string): S3Destination['credentials'] {
  if (raw === undefined) return undefined;
  // Only field names and shapes from here on: the values are secrets.
  if (!isPlainObject(raw)) fail(at, 'must be { accessKeyId, secretAccessKey } (or left out to use the SDK\'s default credential chain)');
  for (const field of Object.keys(raw)) {
    if (field !== 'accessKeyId' && field !== 'secretAccessKey' && field !== 'sessionToken') fail(at, 'has a field that is not an option (only accessKeyId, secretAccessKey and sessionToken)');
  }
  const { accessKeyId, secretAccessKey, sessionToken } = raw;
  if (typeof accessKeyId !== 'string' || accessKeyId.trim() === '') fail(`${at}.accessKeyId`, 'must be a non-empty string');
  if (typeof secretAccessKey !== 'string' || secretAccessKey.trim() === '') fail(`${at}.secretAccessKey`, 'must be a non-empty string');
  if (sessionToken !== undefined && (typeof sessionToken !== 'string' || sessionToken === '')) fail(`${at}.sessionToken`, 'must be a non-empty string');
  return sessionToken === undefined ? { accessKeyId, secretAccessKey } : { accessKeyId, secretAccessKey, sessionToken };
}

function checkEndpoint(endpoint: string, at: string): void {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    fail(at, 'must be an absolute http(s) URL such as "https://minio.example:9000"');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') fail(at, 'must be an http or https URL');
  // Keys in the URL would be logged with it; they belong in `credentials`.
  if (url.username !== '' || url.password !== '') fail(at, 'must not carry a user name or password (use credentials)');
  if (url.search !== '' || url.hash !== '') fail(at, 'must not have a query or fragment');
}

function optionalString(value: unknown, at: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '') fail(at, 'must be a non-empty string');
  return value;
}

function optionalBoolean(value: unknown, at: string): boolean | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean') fail(at, 'must be true or false');
  return value;
}

function optionalInteger(value: unknown, at: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) fail(at, `must be an integer from ${min} to ${max}`);
  return value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function fail(at: string, problem: string): never {
  throw new ConfigError('EGRESS_OPTIONS', `${at} ${problem}.`);
}
