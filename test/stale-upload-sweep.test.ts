import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, test } from 'node:test';
import { keyUploaderReader, unreadableTemplateReason } from '../src/egress/key-uploader.js';
import { buildObjectKey } from '../src/egress/object-key.js';
import { ownInstanceMarker, ownInstanceSpace, parseInstanceMarker } from '../src/process/process-instance.js';
import { processState } from '../src/process/process-liveness.js';
import { judgeUpload, UNJUDGED_MAX_AGE_MS } from '../src/egress/stale-upload-sweep.js';
import { DEFAULT_KEY_TEMPLATE } from '../src/options/key-template.js';

const SPACE = '0123456789ab';
const me = { service: 'checkout', host: 'pod-7f9c.default', pid: 4242, instance: `${SPACE}t1a2b` };
const key = (template: string, identity = me, kind = 'heap-snapshot', extension = 'heapsnapshot', now = new Date('2026-01-25T10:30:00.123Z')) =>
  buildObjectKey({ prefix: 'dumps/prod/', template, identity, kind, extension, now });

describe('whose upload a key is (for the sweep of killed uploads)', () => {
  test('the keys this host and service make are read back into their pid and instance, whatever the kind and extension', () => {
    const reader = keyUploaderReader('dumps/prod/', DEFAULT_KEY_TEMPLATE, me)!;
    assert.deepEqual(reader(key(DEFAULT_KEY_TEMPLATE)), { pid: 4242, instance: me.instance });
    assert.deepEqual(reader(key(DEFAULT_KEY_TEMPLATE, me, 'cpu-profile', 'cpu.pb.gz'))?.pid, 4242);
    const custom = '{date}/{host}/{service}/{instance}.{pid}/{kind}-{random}';
    assert.deepEqual(keyUploaderReader('dumps/prod/', custom, me)!(key(custom)), { pid: 4242, instance: me.instance });
  });

  test("another host's, another service's, another prefix's keys are nobody's business", () => {
    const reader = keyUploaderReader('dumps/prod/', DEFAULT_KEY_TEMPLATE, me)!;
    assert.equal(reader(key(DEFAULT_KEY_TEMPLATE, { ...me, host: 'pod-7f9c' })), undefined);
    assert.equal(reader(key(DEFAULT_KEY_TEMPLATE, { ...me, host: 'pod-7f9c.default.other' })), undefined);
    assert.equal(reader(key(DEFAULT_KEY_TEMPLATE, { ...me, service: 'billing' })), undefined);
    assert.equal(reader(key(DEFAULT_KEY_TEMPLATE).replace('dumps/prod/', 'dumps/staging/')), undefined);
  });

  test('templates whose fields can run into each other are not read, so the two classic misreads cannot happen', () => {
    // {host}{pid}: host web-1 with pid 23 writes web-123, which host web-12 would read as its pid 3.
    const glued = '{host}{pid}-{time}/{instance}';
    const web1 = buildObjectKey({ prefix: '', template: glued, identity: { ...me, host: 'web-1', pid: 23 }, kind: 'heap-snapshot', extension: 'heapsnapshot' });
    assert.match(web1, /^web-123-/);
    assert.equal(keyUploaderReader('', glued, { ...me, host: 'web-12' }), undefined);
    assert.match(unreadableTemplateReason(glued)!, /whole path segment/);
    // {service}-{host}: service api-web on host x writes api-web-x, which service api on host web-x would read as its own.
    const dashed = '{service}-{host}/{pid}-{instance}/{time}';
    const apiWeb = buildObjectKey({ prefix: '', template: dashed, identity: { ...me, service: 'api-web', host: 'x' }, kind: 'heap-snapshot', extension: 'heapsnapshot' });
    assert.match(apiWeb, /^api-web-x\//);
    assert.equal(keyUploaderReader('', dashed, { service: 'api', host: 'web-x' }), undefined);
    // With whole segments the same identities never match each other's keys.
    const api = keyUploaderReader('', DEFAULT_KEY_TEMPLATE, { service: 'api', host: 'web-x' })!;
    assert.equal(api(buildObjectKey({ prefix: '', template: DEFAULT_KEY_TEMPLATE, identity: { ...me, service: 'api-web', host: 'x' }, kind: 'k', extension: 'e' })), undefined);
    const web12 = keyUploaderReader('', DEFAULT_KEY_TEMPLATE, { ...me, host: 'web-12' })!;
    assert.equal(web12(buildObjectKey({ prefix: '', template: DEFAULT_KEY_TEMPLATE, identity: { ...me, host: 'web-1', pid: 23 }, kind: 'k', extension: 'e' })), undefined);
  });

  test('an ambiguous template, or one without {instance}, {host} or {pid}, disables the sweep', () => {
    for (const template of [
      '{service}/{time}-{kind}',
      '{host}/{time}-{kind}',
      '{service}/{host}/{time}-{kind}-{pid}',
      '{service}/{host}/{pid}/{time}',
      '{service}{host}/{pid}-{instance}/{time}',
      '{service}/{host}/{pid}{instance}/{time}',
      '{service}/{host}/{time}/{pid}-{instance}',
    ]) {
      assert.equal(keyUploaderReader('', template, me), undefined, template);
      assert.ok(unreadableTemplateReason(template), template);
    }
    assert.equal(unreadableTemplateReason(DEFAULT_KEY_TEMPLATE), undefined);
  });

  test('a hostile key costs one pass: 10,000 keys of 1 KiB are read in well under a second', () => {
    const reader = keyUploaderReader('dumps/prod/', DEFAULT_KEY_TEMPLATE, me)!;
    const hostile = [`dumps/prod/checkout/pod-7f9c.default/${'1'.repeat(900)}-${'a'.repeat(40)}/x`, `dumps/prod/${'checkout/'.repeat(110)}`, `dumps/prod/${'a-'.repeat(2000)}`];
    const started = process.hrtime.bigint();
    for (let i = 0; i < 10_000; i++) for (const text of hostile) assert.equal(reader(text), undefined);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    console.log(`30,000 hostile keys read in ${ms.toFixed(1)} ms`);
    assert.ok(ms < 5000, `${ms} ms`);
  });

  test("stale only in this boot and pid namespace: no process under the pid, or another instance that started after the upload", () => {
    const marker = parseInstanceMarker(me.instance)!;
    const uploader = { pid: 1234, instance: me.instance };
    const initiated = 1_000_000;
    assert.equal(judgeUpload(uploader, initiated, SPACE, () => ({ running: false })), 'stale');
    assert.equal(judgeUpload(uploader, initiated, SPACE, () => ({ running: true, startTicks: marker.startTicks + 5, startedAtMs: 2_000_000 })), 'stale', 'a reused pid');
    assert.equal(judgeUpload(uploader, initiated, SPACE, () => ({ running: true, startTicks: marker.startTicks, startedAtMs: 500_000 })), 'live');
    const soon = initiated + 60_000;
    const late = initiated + UNJUDGED_MAX_AGE_MS + 1;
    const before = () => ({ running: true as const, startTicks: marker.startTicks + 5, startedAtMs: 500_000 });
    assert.equal(judgeUpload(uploader, initiated, SPACE, before, soon), 'unjudged', 'another instance that started before the upload: something is off, leave it');
    assert.equal(judgeUpload(uploader, initiated, SPACE, before, late), 'stale', '... until it has been open for hours');
    assert.equal(judgeUpload(uploader, initiated, SPACE, () => ({ running: true, startTicks: undefined, startedAtMs: undefined }), late), 'live');
    // Another pid namespace or boot under the same host name: that pid may be alive over there, whatever
    // runs here (a hostNetwork pod's surge twin, a pod's other container): left alone for hours.
    const other = 'ffffffffffff';
    assert.equal(judgeUpload(uploader, initiated, other, () => ({ running: false }), soon), 'unjudged');
    assert.equal(judgeUpload(uploader, initiated, other, () => ({ running: true, startTicks: marker.startTicks, startedAtMs: 500_000 }), soon), 'unjudged');
    assert.equal(judgeUpload(uploader, initiated, other, () => ({ running: false }), late), 'stale');
    assert.equal(judgeUpload(uploader, undefined, other, () => ({ running: false }), late), 'unjudged', 'no Initiated time, no age');
    assert.equal(judgeUpload({ pid: 1234, instance: 'unknown' }, initiated, SPACE, () => ({ running: false }), late), 'unjudged', "a sidecar's key, never");
  });

  test("this host's processes: this one runs with the start its marker holds; an ended child does not run", async () => {
    const own = parseInstanceMarker(ownInstanceMarker());
    assert.ok(own, ownInstanceMarker());
    assert.equal(own.space, ownInstanceSpace());
    const self = processState(process.pid);
    assert.equal(self.running, true);
    if (self.running) {
      assert.equal(self.startTicks, own.startTicks);
      assert.ok(self.startedAtMs! <= Date.now(), 'started in the past');
      assert.ok(self.startedAtMs! > Date.now() - process.uptime() * 1000 - 2000, `started about when the process says (${self.startedAtMs})`);
      assert.equal(judgeUpload({ pid: process.pid, instance: ownInstanceMarker() }, Date.now(), own.space), 'live');
    }
    const child = spawn(process.execPath, ['-e', '']);
    await new Promise((resolve) => child.once('exit', resolve));
    assert.deepEqual(processState(child.pid!), { running: false });
    assert.equal(judgeUpload({ pid: child.pid!, instance: `${own.space}t1` }, Date.now(), own.space), 'stale');
  });
});
