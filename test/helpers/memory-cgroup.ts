import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join, relative } from 'node:path';
import { eventually } from './http.js';

/**
 * A fresh cgroup with a memory limit, made as a child of the test process's own (so the limit nests
 * inside whatever holds the test), as a container runtime makes one for an app: a v1 memory hierarchy
 * when one is mounted (the memory controller then belongs to it, even where a v2 hierarchy exists
 * too), else the v2 hierarchy with the memory controller enabled for its children.
 */
export interface MemoryCgroup {
  version: 1 | 2;
  path: string;
  /** The file a process writes its pid to, to join: `startFixture({ cgroupProcs })`. */
  procsFile: string;
  /** How many processes the kernel's OOM killer ended in this cgroup, when the kernel says. */
  oomKills(): number | undefined;
  /** Kills what still runs in it (processes a test started there), waits until it is empty, and removes it. */
  remove(): Promise<void>;
}

interface Mount {
  /** Where the hierarchy is mounted, and the cgroup that is its root as /proc/self/cgroup names them. */
  mountPoint: string;
  root: string;
}

/** The hierarchy's mount whose type is `fsType` and, for v1, whose options name `controller`. */
function findMount(fsType: 'cgroup' | 'cgroup2', controller?: string): Mount | undefined {
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    // "36 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory"
    const [before, after] = line.split(' - ');
    if (after === undefined) continue;
    const fields = before!.split(' ');
    const [type, , superOptions] = after.split(' ');
    if (type !== fsType) continue;
    if (controller !== undefined && !superOptions!.split(',').includes(controller)) continue;
    return { root: fields[3]!, mountPoint: fields[4]! };
  }
  return undefined;
}

/** The directory of this process's own cgroup in `mount` (the mount's root when it shows no deeper one, as in a container). */
function ownGroup(mount: Mount, matches: (controllers: string) => boolean): string {
  const line = readFileSync('/proc/self/cgroup', 'utf8')
    .split('\n')
    .map((entry) => /^\d+:([^:]*):(.*)$/.exec(entry))
    .find((match): match is RegExpExecArray => match !== null && matches(match[1]!));
  const inside = line === undefined ? '' : relative(mount.root, line[2]!);
  const dir = join(mount.mountPoint, inside.startsWith('..') ? '' : inside);
  return existsSync(dir) ? dir : mount.mountPoint;
}

function readNumber(file: string, key: string): number | undefined {
  try {
    const found = new RegExp(`^${key} (\\d+)$`, 'm').exec(readFileSync(file, 'utf8'));
    return found === null ? undefined : Number(found[1]);
  } catch {
    return undefined;
  }
}

function pidsIn(procsFile: string): number[] {
  try {
    return readFileSync(procsFile, 'utf8').split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/**
 * Makes the cgroup, limited to `limitBytes` of memory and no swap. Throws, saying what it tried, when
 * neither hierarchy can limit memory here (not root, no memory controller): the test then fails.
 */
export function createMemoryCgroup(limitBytes: number): MemoryCgroup {
  const name = `me-test-${randomBytes(6).toString('hex')}`;
  const v1 = findMount('cgroup', 'memory');
  if (v1 !== undefined) {
    const path = join(ownGroup(v1, (controllers) => controllers.split(',').includes('memory')), name);
    return made(1, path, () => {
      writeFileSync(join(path, 'memory.limit_in_bytes'), String(limitBytes));
      // Without swap accounting (or swap) the file is absent; with it, the limit covers swap too.
      if (existsSync(join(path, 'memory.memsw.limit_in_bytes'))) writeFileSync(join(path, 'memory.memsw.limit_in_bytes'), String(limitBytes));
    }, () => readNumber(join(path, 'memory.oom_control'), 'oom_kill'));
  }
  const v2 = findMount('cgroup2');
  if (v2 === undefined) throw new Error('no cgroup hierarchy with a memory controller is mounted (neither a v1 "memory" hierarchy nor cgroup2)');
  const parent = ownGroup(v2, (controllers) => controllers === '');
  const controllers = readFileSync(join(parent, 'cgroup.controllers'), 'utf8').trim().split(' ');
  if (!controllers.includes('memory')) throw new Error(`the cgroup2 group ${parent} offers no memory controller (controllers: ${controllers.join(' ') || 'none'}) and no v1 memory hierarchy is mounted`);
  const subtree = join(parent, 'cgroup.subtree_control');
  const enabledHere = !readFileSync(subtree, 'utf8').split(' ').map((entry) => entry.trim()).includes('memory');
  try {
    if (enabledHere) writeFileSync(subtree, '+memory');
  } catch (error) {
    throw new Error(`cannot enable the memory controller for the children of ${parent} (${(error as Error).message}): a group that holds processes cannot, unless it is the root`);
  }
  const path = join(parent, name);
  return made(2, path, () => {
    writeFileSync(join(path, 'memory.max'), String(limitBytes));
    if (existsSync(join(path, 'memory.swap.max'))) writeFileSync(join(path, 'memory.swap.max'), '0');
  }, () => readNumber(join(path, 'memory.events'), 'oom_kill'), () => {
    if (enabledHere) writeFileSync(subtree, '-memory');
  });
}

function made(version: 1 | 2, path: string, limit: () => void, oomKills: () => number | undefined, afterRemoval: () => void = () => {}): MemoryCgroup {
  try {
    mkdirSync(path);
  } catch (error) {
    afterRemoval();
    throw new Error(`cannot make cgroup ${path} (the test needs root): ${(error as Error).message}`);
  }
  const procsFile = join(path, 'cgroup.procs');
  const remove = async () => {
    // Only processes the test started here can be in it.
    for (const pid of pidsIn(procsFile)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {}
    }
    // A killed process leaves the group once it is reaped: the directory can go when none is left.
    await eventually(async () => {
      try {
        rmdirSync(path);
        return true;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EBUSY') return false;
        throw error;
      }
    }, 30_000, `the processes of ${path} to end`);
    afterRemoval();
  };
  try {
    limit();
  } catch (error) {
    rmdirSync(path);
    afterRemoval();
    throw new Error(`cannot limit the memory of cgroup ${path}: ${(error as Error).message}`);
  }
  return { version, path, procsFile, oomKills, remove };
}
