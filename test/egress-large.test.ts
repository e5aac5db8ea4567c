import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { watchPeakRss } from '../scripts/bench/peak-rss.js';
import { readMemoryStatus } from '../scripts/bench/proc-status.js';
import { destinations, MIB } from './helpers/egress-endpoint.js';
import { startEgressSession, type EgressSession } from './helpers/egress-session.js';
import type { Fixture } from './helpers/fixture.js';
import { openStream, request } from './helpers/http.js';

/** Small objects whose snapshot takes about 98 bytes each (measured): 6.3 M of them make one over 600 MB. */
const OBJECTS = 6_300_000;
const MIN_SNAPSHOT_BYTES = 600_000_000;
/** The endpoint's default staging bound (spillThresholdBytes) and the upload's channel (produce-into-upload.ts). */
const STAGING_BYTES = 32 * MIB;
const CHANNEL_BYTES = 1 * MIB;

describe('egress of a 600 MB snapshot (worker mode, a real S3-compatible server)', () => {
  let session: EgressSession;
  let app: Fixture;

  before(async () => {
    session = await startEgressSession();
    app = await session.startApp();
  });
  after(async () => {
    await session?.stop();
  });

  test("uploading a 600 MB snapshot costs the app no more peak RSS than downloading it, within the upload's stated bound", async () => {
    await app.command({ cmd: 'grow-objects', count: OBJECTS }, 'grown');
    const pid = app.child.pid!;

    // Both peaks are measured from the RSS before the first, in this one process with this one heap: a
    // snapshot leaves memory behind that the next one reuses, so each operation's growth from its own
    // start would favour the second. The upload goes second, where any drift (fragmentation) counts against it.
    const baseline = readMemoryStatus(pid).rss;
    const direct = await watchPeakRss(pid);
    let downloaded = 0;
    for await (const chunk of await openStream(`${app.url}/heapsnapshot`, app.tokens.heap)) downloaded += (chunk as Buffer).length;
    const directGrowth = (await direct.finish()) - baseline;

    const upload = await watchPeakRss(pid);
    const reply = await request(`${app.url}/heapsnapshot?egress=offsite`, { token: app.tokens.heap });
    const uploadGrowth = (await upload.finish()) - baseline;
    assert.equal(reply.status, 200, reply.body.toString());
    const { size } = reply.json();
    const { partSize, queueSize } = destinations(session.server).offsite;
    // What the upload path may hold beyond a download: the staging bound, the channel, and the parts
    // in flight plus the one being gathered (upload-artifact.ts). V8's own peak for the same heap also
    // varies from one snapshot to the next: 0.97x-1.02x run by run on the large heap of
    // docs/benchmarks.md, a spread of 5 %, allowed on top (a 666 MB snapshot on Node 22: download
    // +8373 MiB, upload +8680 MiB, 3.7 % more).
    const allowance = STAGING_BYTES + CHANNEL_BYTES + (queueSize + 1) * partSize + Math.round(0.05 * directGrowth);
    console.log(
      `snapshot ${(downloaded / 1e6).toFixed(0)} MB downloaded: peak RSS +${(directGrowth / MIB).toFixed(0)} MiB; ` +
        `${(size / 1e6).toFixed(0)} MB uploaded: +${(uploadGrowth / MIB).toFixed(0)} MiB (${direct.method}; allowance ${(allowance / MIB).toFixed(0)} MiB)`,
    );
    assert.ok(downloaded >= MIN_SNAPSHOT_BYTES, `a snapshot of at least 600 MB (downloaded ${downloaded} bytes)`);
    assert.ok(size >= MIN_SNAPSHOT_BYTES, `an upload of at least 600 MB (${size} bytes)`);
    assert.ok(uploadGrowth <= directGrowth + allowance, `upload +${uploadGrowth} against download +${directGrowth} (allowance ${allowance})`);
    assert.deepEqual(await session.openUploads(), []);
  });
});
