import { startFixture } from '../../test/helpers/fixture.js';
import { openStream, request } from '../../test/helpers/http.js';
import { S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY, startS3Server } from '../../test/helpers/s3-server.js';
import { watchPeakRss } from './peak-rss.js';
import { readMemoryStatus } from './proc-status.js';
import { mebibytes as mib } from './units.js';

interface Measured {
  seconds: number;
  bytes: number;
  growth: number;
}

/**
 * A large heap snapshot from a real app in worker mode, taken twice: downloaded directly (the baseline)
 * and uploaded with ?egress= to an S3-compatible server (s3rver, its own process), each with the app's
 * peak RSS growth (VmHWM after a reset) over the request. Both are dominated by V8 building the
 * snapshot; the difference is what the upload path costs.
 */
export async function runEgressEndpointBench(objects: number, log: (line: string) => void): Promise<string[]> {
  const server = await startS3Server();
  const app = await startFixture({
    mode: 'worker',
    options: {
      rateLimit: { heavy: { limit: 100 } },
      egress: {
        bench: {
          type: 's3',
          bucket: 'dumps',
          region: 'us-east-1',
          endpoint: server.endpoint,
          forcePathStyle: true,
          credentials: { accessKeyId: S3_ACCESS_KEY_ID, secretAccessKey: S3_SECRET_ACCESS_KEY },
        },
      },
    },
  });
  try {
    await app.command({ cmd: 'grow-objects', count: objects }, 'grown');
    const pid = app.child.pid!;

    // Both peaks from the RSS before the first: a snapshot leaves memory the next one reuses, so growth
    // from each one's own start would favour the second. The upload goes second, drift counting against it.
    const baseline = readMemoryStatus(pid).rss;
    const measure = async (take: () => Promise<number>): Promise<Measured> => {
      const watch = await watchPeakRss(pid);
      const started = performance.now();
      const bytes = await take();
      const seconds = (performance.now() - started) / 1000;
      return { seconds, bytes, growth: (await watch.finish()) - baseline };
    };
    const direct = await measure(async () => {
      const response = await openStream(`${app.url}/heapsnapshot`, app.tokens.heap);
      let bytes = 0;
      for await (const chunk of response) bytes += (chunk as Buffer).length;
      return bytes;
    });
    log(`  direct download: ${mib(direct.bytes)} in ${direct.seconds.toFixed(1)} s, peak RSS +${mib(direct.growth)}`);
    const upload = await measure(async () => {
      const reply = await request(`${app.url}/heapsnapshot?egress=bench`, { token: app.tokens.heap });
      if (reply.status !== 200) throw new Error(`upload failed: ${reply.body.toString()}`);
      return (reply.json() as { size: number }).size;
    });
    log(`  ?egress= upload: ${mib(upload.bytes)} in ${upload.seconds.toFixed(1)} s, peak RSS +${mib(upload.growth)}`);
    return [
      `| heap snapshot of the app (worker mode) | size | time | app's peak RSS over its RSS before both |`,
      `| --- | --- | --- | --- |`,
      `| direct download (baseline) | ${mib(direct.bytes)} | ${direct.seconds.toFixed(1)} s | ${mib(direct.growth)} |`,
      `| \`?egress=\` upload (part 8 MiB, queue 4) | ${mib(upload.bytes)} | ${upload.seconds.toFixed(1)} s (x${(upload.seconds / direct.seconds).toFixed(2)}) | ${mib(upload.growth)} (x${(upload.growth / direct.growth).toFixed(2)}) |`,
    ];
  } finally {
    await app.stop();
    await server.stop();
  }
}
