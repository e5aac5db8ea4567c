import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startS3Server } from '../../test/helpers/s3-server.js';
import { fileURLToPath } from 'node:url';
import { mebibytes as mib } from './units.js';

const run = promisify(execFile);

interface ChildResult {
  seconds: number;
  rssBefore: number;
  peakRss: number;
}

async function measure(args: string[]): Promise<ChildResult> {
  const { stdout } = await run(process.execPath, ['--expose-gc', fileURLToPath(new URL('../../test/helpers/egress-upload-child.js', import.meta.url)), ...args], { maxBuffer: 1024 * 1024 });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as ChildResult;
}

/**
 * Streams `totalBytes` of generated data to an S3-compatible server (s3rver in its own process) and
 * reports time and the uploading process's peak RSS growth, against a baseline that only produces
 * and drains the same data, and against the bound (queueSize + 1) x partSize.
 */
export async function runEgressBench(totalBytes: number, log: (line: string) => void): Promise<string[]> {
  const partSize = 8 * 1024 * 1024;
  const queueSize = 4;
  const bound = (queueSize + 1) * partSize;
  const server = await startS3Server();
  try {
    const drain = await measure(['drain', String(totalBytes)]);
    log(`  baseline (produce and drain): ${drain.seconds.toFixed(1)} s, RSS +${mib(drain.peakRss - drain.rssBefore)}`);
    const upload = await measure(['upload', String(totalBytes), server.endpoint, String(partSize), String(queueSize)]);
    const growth = upload.peakRss - upload.rssBefore;
    log(`  upload: ${upload.seconds.toFixed(1)} s, RSS +${mib(growth)}`);
    return [
      `| | time | throughput | peak RSS growth |`,
      `| --- | --- | --- | --- |`,
      `| produce and drain ${mib(totalBytes)} (baseline) | ${drain.seconds.toFixed(1)} s | ${mib(totalBytes / drain.seconds)}/s | ${mib(drain.peakRss - drain.rssBefore)} |`,
      `| upload ${mib(totalBytes)} (part ${mib(partSize)}, queue ${queueSize}) | ${upload.seconds.toFixed(1)} s (x${(upload.seconds / drain.seconds).toFixed(1)}) | ${mib(totalBytes / upload.seconds)}/s | ${mib(growth)}: ${(growth / bound).toFixed(2)} x the bound of ${mib(bound)}, ${((100 * growth) / totalBytes).toFixed(1)} % of the data |`,
    ];
  } finally {
    await server.stop();
  }
}
