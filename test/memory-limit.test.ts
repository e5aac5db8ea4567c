import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, test } from 'node:test';
import { admitSnapshot, InsufficientMemoryError } from '../src/operations/snapshot-admission.js';
import { estimateSnapshotPeak } from '../src/operations/snapshot-memory-estimate.js';
import { readMemoryBudget } from '../src/probe/memory-limit.js';

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;
const roots: string[] = [];
after(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

/** A fake file system root with the given files (paths relative to it). */
function fakeRoot(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'maintenance-endpoint-memory-limit-'));
  roots.push(root);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  return root;
}

const MEMINFO = 'MemTotal:       16000000 kB\nMemFree:         1000000 kB\nMemAvailable:    8000000 kB\n';

describe('readMemoryBudget', () => {
  test('cgroup v2: the own group\'s memory.max, less its working set (usage without inactive file cache)', () => {
    const root = fakeRoot({
      'proc/self/cgroup': '0::/kubepods/pod1/app\n',
      'proc/meminfo': MEMINFO,
      'sys/fs/cgroup/kubepods/pod1/app/memory.max': `${2 * GiB}\n`,
      'sys/fs/cgroup/kubepods/pod1/app/memory.current': `${1200 * MiB}\n`,
      'sys/fs/cgroup/kubepods/pod1/app/memory.stat': `anon 1000\ninactive_file ${200 * MiB}\nactive_file 5\n`,
    });
    assert.deepEqual(readMemoryBudget({ root }), { limitBytes: 2 * GiB, availableBytes: 2 * GiB - 1000 * MiB, source: 'cgroup-v2' });
  });

  test('cgroup v2: an unlimited group is bounded by the tightest ancestor', () => {
    const root = fakeRoot({
      'proc/self/cgroup': '0::/parent/child\n',
      'proc/meminfo': MEMINFO,
      'sys/fs/cgroup/parent/memory.max': `${GiB}\n`,
      'sys/fs/cgroup/parent/child/memory.max': 'max\n',
      'sys/fs/cgroup/parent/child/memory.current': `${300 * MiB}\n`,
    });
    assert.deepEqual(readMemoryBudget({ root }), { limitBytes: GiB, availableBytes: GiB - 300 * MiB, source: 'cgroup-v2' });
  });

  test('cgroup v2 seen from inside a cgroup namespace: the mount\'s root is the own group', () => {
    const root = fakeRoot({
      'proc/self/cgroup': '0::/host/path/not/mounted\n',
      'proc/meminfo': MEMINFO,
      'sys/fs/cgroup/memory.max': `${512 * MiB}\n`,
      'sys/fs/cgroup/memory.current': `${100 * MiB}\n`,
    });
    assert.deepEqual(readMemoryBudget({ root }), { limitBytes: 512 * MiB, availableBytes: 412 * MiB, source: 'cgroup-v2' });
  });

  test('cgroup v1: memory.limit_in_bytes and usage_in_bytes less total_inactive_file', () => {
    const root = fakeRoot({
      'proc/42/cgroup': '5:cpu,cpuacct:/x\n4:memory:/docker/abc\n0::/\n',
      'proc/meminfo': MEMINFO,
      'sys/fs/cgroup/memory/docker/abc/memory.limit_in_bytes': `${GiB}\n`,
      'sys/fs/cgroup/memory/docker/abc/memory.usage_in_bytes': `${700 * MiB}\n`,
      'sys/fs/cgroup/memory/docker/abc/memory.stat': `cache 5\ntotal_inactive_file ${100 * MiB}\n`,
    });
    assert.deepEqual(readMemoryBudget({ root, pid: 42 }), { limitBytes: GiB, availableBytes: GiB - 600 * MiB, source: 'cgroup-v1' });
  });

  test('no cgroup limit: physical memory, available as MemAvailable (free plus reclaimable cache)', () => {
    const root = fakeRoot({
      'proc/self/cgroup': '4:memory:/\n0::/\n',
      'proc/meminfo': MEMINFO,
      'sys/fs/cgroup/memory/memory.limit_in_bytes': '9223372036854771712\n',
      'sys/fs/cgroup/memory/memory.usage_in_bytes': '5\n',
    });
    assert.deepEqual(readMemoryBudget({ root }), { limitBytes: 16000000 * 1024, availableBytes: 8000000 * 1024, source: 'physical' });
  });

  test('a container limit above what the host still has is bounded by MemAvailable', () => {
    const root = fakeRoot({
      'proc/self/cgroup': '0::/big\n',
      'proc/meminfo': MEMINFO,
      'sys/fs/cgroup/big/memory.max': `${64 * GiB}\n`,
      'sys/fs/cgroup/big/memory.current': `${GiB}\n`,
    });
    assert.deepEqual(readMemoryBudget({ root }), { limitBytes: 64 * GiB, availableBytes: 8000000 * 1024, source: 'cgroup-v2' });
  });

  test('the memoryLimit option wins, less the process\'s RSS', () => {
    const root = fakeRoot({ 'proc/7/status': 'Name:\tnode\nVmRSS:\t  102400 kB\n', 'proc/meminfo': MEMINFO, 'proc/7/cgroup': '0::/\n' });
    assert.deepEqual(readMemoryBudget({ root, pid: 7, memoryLimit: GiB }), { limitBytes: GiB, availableBytes: GiB - 100 * MiB, source: 'option' });
  });

  test('nothing readable: unknown', () => {
    assert.deepEqual(readMemoryBudget({ root: fakeRoot({}), pid: 9 }), { limitBytes: undefined, availableBytes: undefined, source: 'unknown' });
  });

  test('a real process: this one and a child in the same cgroup get the same limit, and room to grow', async () => {
    const own = readMemoryBudget();
    assert.ok(own.limitBytes !== undefined && own.limitBytes > 0, `a limit from ${own.source}`);
    assert.ok(own.availableBytes !== undefined && own.availableBytes > 0 && own.availableBytes <= own.limitBytes);
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    try {
      await new Promise((resolve) => child.once('spawn', resolve));
      const theirs = readMemoryBudget({ pid: child.pid! });
      assert.equal(theirs.limitBytes, own.limitBytes);
      assert.ok(theirs.availableBytes !== undefined && theirs.availableBytes > 0);
      // The option is measured against the child's own RSS (a fresh node uses some tens of MiB).
      const limited = readMemoryBudget({ pid: child.pid!, memoryLimit: 4 * GiB });
      assert.equal(limited.source, 'option');
      assert.ok(limited.availableBytes! < 4 * GiB && limited.availableBytes! > 3 * GiB);
    } finally {
      child.kill();
    }
  });
});

describe('admitSnapshot', () => {
  const estimate = estimateSnapshotPeak({ regularUsedBytes: 100 * MiB, largeObjectUsedBytes: 0, nativeContexts: 1 });

  test('admits a snapshot whose estimated peak fits', () => {
    const admission = admitSnapshot(estimate, { limitBytes: 16 * GiB, availableBytes: 8 * GiB, source: 'physical' });
    assert.deepEqual(admission, { ok: true, checked: true, estimateBytes: estimate.peakExtraBytes, availableBytes: 8 * GiB });
  });

  test('refuses one that does not fit, with the figures, as INSUFFICIENT_MEMORY', () => {
    const admission = admitSnapshot(estimate, { limitBytes: GiB, availableBytes: 200 * MiB, source: 'cgroup-v2' });
    assert.equal(admission.ok, false);
    const error = (admission as { error: InsufficientMemoryError }).error;
    assert.ok(error instanceof InsufficientMemoryError);
    assert.equal(error.code, 'INSUFFICIENT_MEMORY');
    assert.equal(error.estimateBytes, estimate.peakExtraBytes);
    assert.equal(error.limitBytes, GiB);
    assert.equal(error.availableBytes, 200 * MiB);
  });

  test('force admits it anyway; an unknown budget admits it unchecked', () => {
    assert.equal(admitSnapshot(estimate, { limitBytes: GiB, availableBytes: MiB, source: 'cgroup-v2' }, { force: true }).ok, true);
    assert.deepEqual(admitSnapshot(estimate, { limitBytes: undefined, availableBytes: undefined, source: 'unknown' }), {
      ok: true,
      checked: false,
      estimateBytes: estimate.peakExtraBytes,
      availableBytes: undefined,
    });
  });
});
