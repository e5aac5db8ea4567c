import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListMultipartUploadsCommand, S3Client, type MultipartUpload } from '@aws-sdk/client-s3';
import { destinations } from './egress-endpoint.js';
import { startFixture, type Fixture, type FixtureOptions } from './fixture.js';
import { S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY, startS3Server, type S3TestServer } from './s3-server.js';

/**
 * What every egress test starts with: an S3-compatible server of its own (bucket `dumps`), a client of
 * it, a private dump store directory, and apps configured for it (`offsite` and `refused`, see
 * destinations()) whose service is `checkout`. stop() ends the apps, the server and the directory.
 */
export interface EgressSession {
  server: S3TestServer;
  s3: S3Client;
  /** The apps' dump store directory (`dumps.directory`). */
  dumpsDirectory: string;
  /** The incomplete multipart uploads the store holds. */
  openUploads(): Promise<MultipartUpload[]>;
  /**
   * A fixture app in worker mode with the session's egress destinations and dump store, service
   * `checkout`; `overrides` replace any of that. The session stops it.
   */
  startApp(overrides?: Partial<FixtureOptions>): Promise<Fixture>;
  stop(): Promise<void>;
}

export async function startEgressSession(): Promise<EgressSession> {
  const server = await startS3Server();
  const s3 = new S3Client({
    region: 'us-east-1',
    endpoint: server.endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: S3_ACCESS_KEY_ID, secretAccessKey: S3_SECRET_ACCESS_KEY },
  });
  const dumpsDirectory = mkdtempSync(join(tmpdir(), 'me-egress-dumps-'));
  const apps: Fixture[] = [];
  return {
    server,
    s3,
    dumpsDirectory,
    openUploads: async () => (await s3.send(new ListMultipartUploadsCommand({ Bucket: 'dumps' }))).Uploads ?? [],
    async startApp(overrides = {}) {
      const app = await startFixture({
        mode: 'worker',
        options: { egress: destinations(server), dumps: { directory: dumpsDirectory }, rateLimit: { heavy: { limit: 200 } } },
        env: { OTEL_SERVICE_NAME: 'checkout' },
        ...overrides,
      });
      apps.push(app);
      return app;
    },
    async stop() {
      for (const app of apps) await app.stop();
      s3.destroy();
      await server.stop();
      rmSync(dumpsDirectory, { recursive: true, force: true });
    },
  };
}
