import type { S3Destination } from '../options/egress-options.js';

type ClientS3 = typeof import('@aws-sdk/client-s3');
type LibStorage = typeof import('@aws-sdk/lib-storage');
type Presigner = typeof import('@aws-sdk/s3-request-presigner');

export interface S3Sdk {
  s3: ClientS3;
  storage: LibStorage;
  presigner: Presigner;
}

let loading: Promise<S3Sdk> | undefined;

/**
 * The AWS SDK, imported on first use: it is several megabytes of modules, and an app that configures
 * no egress destination should not pay for them at start-up.
 */
export function loadS3Sdk(): Promise<S3Sdk> {
  loading ??= Promise.all([import('@aws-sdk/client-s3'), import('@aws-sdk/lib-storage'), import('@aws-sdk/s3-request-presigner')]).then(
    ([s3, storage, presigner]) => ({ s3, storage, presigner }),
    (error: unknown) => {
      loading = undefined;
      throw error;
    },
  );
  return loading;
}

/** Whether the SDK has been imported in this process (it never is until a destination is used). */
export function s3SdkLoaded(): boolean {
  return loading !== undefined;
}

/** Sockets that connect but never answer must not hold an upload forever. */
const CONNECTION_TIMEOUT_MS = 10_000;
const SOCKET_IDLE_TIMEOUT_MS = 120_000;

/**
 * Every key id, secret and session token the SDK resolved in this process: with no configured
 * credentials they come from its default chain (environment, shared files, web identity, IMDS), and a
 * store's error message may quote them (an unknown key id, a bad token). Error texts are cleaned of
 * these values, whatever their source (egress-error.ts).
 */
const resolvedSecrets = new Set<string>();

export function resolvedCredentialValues(): ReadonlySet<string> {
  return resolvedSecrets;
}

type CredentialProvider = (...args: unknown[]) => Promise<Record<string, unknown>>;

/** A client for one upload; destroy() it afterwards to close its sockets. */
export function createS3Client(destination: S3Destination, sdk: S3Sdk): InstanceType<ClientS3['S3Client']> {
  const client = createClient(destination, sdk);
  // The signer reads config.credentials on every request: what it resolves passes through here first.
  const config = client.config as unknown as { credentials?: CredentialProvider };
  const provide = config.credentials;
  if (typeof provide === 'function') {
    config.credentials = async (...args: unknown[]) => {
      const identity = await provide(...args);
      for (const name of ['accessKeyId', 'secretAccessKey', 'sessionToken']) {
        const value = identity?.[name];
        if (typeof value === 'string' && value.length >= 4) resolvedSecrets.add(value);
      }
      return identity;
    };
  }
  return client;
}

function createClient(destination: S3Destination, sdk: S3Sdk): InstanceType<ClientS3['S3Client']> {
  return new sdk.s3.S3Client({
    region: destination.region,
    ...(destination.endpoint !== undefined && { endpoint: destination.endpoint }),
    forcePathStyle: destination.forcePathStyle,
    // Absent: the SDK's default chain (environment, shared files, web identity / pod identity, IMDS).
    ...(destination.credentials !== undefined && { credentials: destination.credentials }),
    requestHandler: { connectionTimeout: CONNECTION_TIMEOUT_MS, requestTimeout: SOCKET_IDLE_TIMEOUT_MS },
  });
}
