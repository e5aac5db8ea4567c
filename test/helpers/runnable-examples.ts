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

/** A fenced shell block of a Markdown text: where it starts, the marker comment before it (if any), its lines. */
export interface ShellBlock {
  source: string;
  line: number;
  marker: string | undefined;
  body: string[];
}

/** Every ```sh (or bash, shell, console) block of a Markdown text, indented ones in lists included. */
export function shellBlocks(markdown: string, source: string): ShellBlock[] {
  const blocks: ShellBlock[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (!/^\s*```(sh|bash|shell|console)\s*$/.test(lines[i]!)) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && lines[i]!.trim() !== '```'; i++) body.push(lines[i]!);
    let before = start - 1;
    while (before >= 0 && lines[before]!.trim() === '') before--;
    const marker = before >= 0 ? /^\s*<!--\s*(.*?)\s*-->\s*$/.exec(lines[before]!)?.[1] : undefined;
    blocks.push({ source, line: start + 1, marker, body });
  }
  return blocks;
}

/**
 * The command lines of every shell block marked `<!-- runnable -->` in a Markdown text, each named by
 * its file and the block's line. Comments and blank lines are skipped; `NAME=...` and `export ...`
 * lines become the prelude of the lines after them, as in a shell session.
 */
export function runnableExamples(markdown: string, source: string): Example[] {
  const examples: Example[] = [];
  for (const block of shellBlocks(markdown, source).filter(({ marker }) => marker === 'runnable')) {
    const prelude: string[] = [];
    for (const line of block.body) {
      const text = line.trim();
      if (text === '' || text.startsWith('#')) continue;
      if (/^(export\s+)?[A-Z_][A-Z0-9_]*=/.test(text)) prelude.push(text);
      else examples.push({ source: `${source}:${block.line}`, prelude: [...prelude], command: text });
    }
  }
  return examples;
}

/** A line that runs curl or the CLI: at its start (after assignments), after `;`, `&`, `|` or `npx`; comments aside. */
const RUNS_A_COMMAND = /(^|[;&|]\s*|\bnpx\s+(-y\s+)?)(curl|maintenance-endpoint)\s/;

/**
 * The shell blocks of a Markdown text with a line that runs curl or the CLI, so a test can require each
 * to say whether it runs (`<!-- runnable -->`) or why not (`<!-- not-runnable: reason -->`).
 */
export function commandBlocks(markdown: string, source: string): ShellBlock[] {
  return shellBlocks(markdown, source).filter(({ body }) =>
    body.some((text) => {
      const command = text.trim().replace(/(^|\s)#.*$/, '').replace(/^(export\s+)?([A-Za-z_]\w*=("[^"]*"|'[^']*'|\S*)\s+)+/, '');
      return RUNS_A_COMMAND.test(command);
    }),
  );
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
