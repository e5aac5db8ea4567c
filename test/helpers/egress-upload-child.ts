/**
 * One egress measurement in a fresh process, so that nothing else has touched its memory (used by
 * test/egress.test.ts and the bench): `drain` reads the generated stream into nothing (the
 * baseline: what producing and hashing the data costs), `upload` streams it through uploadArtifact to
 * the S3 endpoint given. Prints {seconds, rssBefore, peakRss, sha256} as one JSON line.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { resolveEgressOptions } from '../../src/options/egress-options.js';
import { loadS3Sdk } from '../../src/egress/s3-sdk.js';
import { uploadArtifact } from '../../src/egress/upload-artifact.js';
import { generatedStream } from './generated-stream.js';
import { S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY } from './s3-server.js';

const [mode, totalArg, endpoint, partSizeArg, queueSizeArg] = process.argv.slice(2);
const total = Number(totalArg);
// The SDK's modules are loaded before the baseline in both modes, so only the data path is measured.
await loadS3Sdk();
globalThis.gc?.();
writeFileSync('/proc/self/clear_refs', '5');
const { rss: rssBefore } = readMemoryStatus(process.pid);
const data = generatedStream(total);
const started = performance.now();
let sha256: string;
if (mode === 'drain') {
  await pipeline(data.stream, new Writable({ write: (_chunk, _encoding, callback) => callback() }));
  sha256 = data.sha256();
} else {
  const destination = resolveEgressOptions({
    bench: {
      type: 's3', bucket: 'dumps', region: 'us-east-1', endpoint, forcePathStyle: true,
      credentials: { accessKeyId: S3_ACCESS_KEY_ID, secretAccessKey: S3_SECRET_ACCESS_KEY },
      partSize: Number(partSizeArg), queueSize: Number(queueSizeArg),
    },
  }).get('bench')!;
  const result = await uploadArtifact(destination, { kind: 'bench', extension: 'bin', contentType: 'application/octet-stream' }, data.stream);
  sha256 = result.sha256;
  if (sha256 !== data.sha256()) throw new Error('checksum mismatch');
}
const seconds = (performance.now() - started) / 1000;

/** VmRSS and VmHWM (the peak since the reset above), in bytes, from Linux's /proc. */
function readMemoryStatus(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s*(\\d+) kB$`, 'm').exec(status)?.[1]) * 1024;
  return { rss: kib('VmRSS'), hwm: kib('VmHWM') };
}
console.log(JSON.stringify({ seconds, rssBefore, peakRss: readMemoryStatus(process.pid).hwm, sha256 }));
