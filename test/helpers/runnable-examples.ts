import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { decodePprof } from './pprof.js';

/** One command line of a documented example, with the assignments before it in its block. */
export interface Example {
  source: string;
  prelude: string[];
  command: string;
}

/**
 * The command lines of every ```sh block preceded by `<!-- runnable -->` in a Markdown text. Comments
 * and blank lines are skipped; `NAME=...` and `export ...` lines become the prelude of the lines after
 * them, as in a shell session.
 */
export function runnableExamples(markdown: string, source: string): Example[] {
  const examples: Example[] = [];
  const block = /<!-- runnable -->\s*\n```sh\n([\s\S]*?)\n```/g;
  for (const match of markdown.matchAll(block)) {
    const prelude: string[] = [];
    for (const line of match[1]!.split('\n')) {
      const text = line.trim();
      if (text === '' || text.startsWith('#')) continue;
      if (/^(export\s+)?[A-Z_][A-Z0-9_]*=/.test(text)) prelude.push(text);
      else examples.push({ source, prelude: [...prelude], command: text });
    }
  }
  return examples;
}

export interface ShellRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a line with sh in `cwd`, then waits for the jobs it put in the background. */
export function runShell(script: string, cwd: string, env: NodeJS.ProcessEnv): Promise<ShellRun> {
  return new Promise((resolve) => {
    const child = spawn('sh', ['-c', `${script}\nstatus=$?; wait; exit $status`], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * Checks that a file an example wrote is what its name says: a heap snapshot, CPU or heap profile, or
 * pprof, whole and parseable. Returns a short description for failure messages.
 */
export function assertArtifactFile(path: string): string {
  const bytes = readFileSync(path);
  const name = path.toLowerCase();
  const json = (buffer: Buffer) => JSON.parse(buffer.toString('utf8')) as Record<string, any>;
  if (name.endsWith('.heapsnapshot') || name.endsWith('.heapsnapshot.gz')) {
    const snapshot = json(name.endsWith('.gz') ? gunzipSync(bytes) : bytes);
    if (!(snapshot.snapshot?.node_count > 0) || !Array.isArray(snapshot.nodes)) throw new Error(`${path} is not a heap snapshot`);
    return `heap snapshot, ${snapshot.snapshot.node_count} nodes`;
  }
  if (name.endsWith('.cpuprofile')) {
    const profile = json(bytes);
    if (!Array.isArray(profile.nodes) || profile.nodes.length === 0) throw new Error(`${path} is not a CPU profile`);
    return `CPU profile, ${profile.nodes.length} nodes`;
  }
  if (name.endsWith('.heapprofile')) {
    const profile = json(bytes);
    if (profile.head === undefined) throw new Error(`${path} is not a heap profile`);
    return 'heap profile';
  }
  if (name.endsWith('.pb.gz')) {
    const profile = decodePprof(bytes);
    if (profile.sampleTypes.length === 0) throw new Error(`${path} is not pprof`);
    return `pprof, ${profile.samples.length} samples`;
  }
  throw new Error(`${path}: no check for this kind of file`);
}
