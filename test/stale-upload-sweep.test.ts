import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, test } from 'node:test';
import { keyUploaderReader } from '../src/egress/key-uploader.js';
import { buildObjectKey } from '../src/egress/object-key.js';
import { processState } from '../src/egress/process-liveness.js';
import { isStale } from '../src/egress/stale-upload-sweep.js';
import { DEFAULT_KEY_TEMPLATE } from '../src/options/key-template.js';

const me = { service: 'checkout', host: 'pod-7f9c.default', pid: 4242 };
const key = (template: string, identity = me, kind = 'heap-snapshot', extension = 'heapsnapshot', now = new Date('2026-01-25T10:30:00.123Z')) =>
  buildObjectKey({ prefix: 'dumps/prod/', template, identity, kind, extension, now });

describe('whose upload a key is (for the sweep of killed uploads)', () => {
  test('the keys this host and service make are read back into their pid and time, whatever the kind and extension', () => {
    const reader = keyUploaderReader('dumps/prod/', DEFAULT_KEY_TEMPLATE, me)!;
    assert.deepEqual(reader(key(DEFAULT_KEY_TEMPLATE)), { pid: 4242, keyTimeMs: Date.parse('2026-01-25T10:30:00.123Z') });
    assert.deepEqual(reader(key(DEFAULT_KEY_TEMPLATE, me, 'cpu-profile', 'cpu.pb.gz'))?.pid, 4242);
    const custom = '{date}/{kind}-{host}-{pid}-{random}';
    assert.deepEqual(keyUploaderReader('dumps/prod/', custom, me)!(key(custom)), { pid: 4242, keyTimeMs: undefined });
  });

  test("another host's, another service's, another prefix's keys are nobody's business", () => {
    const reader = keyUploaderReader('dumps/prod/', DEFAULT_KEY_TEMPLATE, me)!;
    assert.equal(reader(key(DEFAULT_KEY_TEMPLATE, { ...me, host: 'pod-7f9c' })), undefined);
    assert.equal(reader(key(DEFAULT_KEY_TEMPLATE, { ...me, host: 'pod-7f9c.default.other' })), undefined);
    assert.equal(reader(key(DEFAULT_KEY_TEMPLATE, { ...me, service: 'billing' })), undefined);
    assert.equal(reader(key(DEFAULT_KEY_TEMPLATE).replace('dumps/prod/', 'dumps/staging/')), undefined);
  });

  test('a template without {host} or {pid} names no uploader: nothing is judged', () => {
    assert.equal(keyUploaderReader('', '{service}/{time}-{kind}', me), undefined);
    assert.equal(keyUploaderReader('', '{host}/{time}-{kind}', me), undefined);
  });

  test('stale: no process under the pid, or one that started after the key was made', () => {
    const uploader = { pid: 1234, keyTimeMs: 1_000_000 };
    assert.equal(isStale(uploader, { running: false }), true);
    assert.equal(isStale(uploader, { running: true, startedAtMs: 2_000_000 }), true, 'a reused pid');
    assert.equal(isStale(uploader, { running: true, startedAtMs: 500_000 }), false);
    assert.equal(isStale(uploader, { running: true, startedAtMs: undefined }), false);
    assert.equal(isStale({ pid: 1234, keyTimeMs: undefined }, { running: true, startedAtMs: 2_000_000 }), false);
  });

  test("this host's processes: this one runs and started before now; an ended child does not run", async () => {
    const self = processState(process.pid);
    assert.equal(self.running, true);
    if (self.running && self.startedAtMs !== undefined) {
      assert.ok(self.startedAtMs <= Date.now(), 'started in the past');
      assert.ok(self.startedAtMs > Date.now() - process.uptime() * 1000 - 2000, `started about when the process says (${self.startedAtMs})`);
    }
    const child = spawn(process.execPath, ['-e', '']);
    await new Promise((resolve) => child.once('exit', resolve));
    assert.deepEqual(processState(child.pid!), { running: false });
  });
});
