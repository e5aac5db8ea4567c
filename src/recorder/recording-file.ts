import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SamplingHeapProfile } from '../operations/heap-profile.js';
import type { LiveSample } from '../live/live-sample.js';
import type { GcEvent } from '../probe/probe-reader.js';
import { cleanUpAtProcessEnd } from '../streaming/private-dirs.js';

/**
 * The recorder's spill, in the persistent store under a name of its own (never a dump's `<id>.<ext>`,
 * which the store's recovery would remove): replaced whole every few seconds, removed when the process
 * ends by its exit handlers, so a file found at start is the last spill of a process that died.
 */
export const RECORDING_FILE = 'recorder-last-minute.heapprofile';

/** A DevTools `.heapprofile` (head and samples, loadable in the Memory tab) with the last minute beside it. */
export interface Recording extends SamplingHeapProfile {
  lastMoments: {
    version: 1;
    /** The recorded process. */
    pid: number;
    /** When the recorder started in it and when this spill was written, ISO 8601. */
    recorderStartedAt: string;
    spilledAt: string;
    /** The pause of the full GC V8 ran to answer the profile (or, without a probe, the read's wall time), ms: the next spill waits at least 400 times that. */
    profileMs: number;
    /** The sampler's mean bytes between samples; each sample's size is V8's estimate of the bytes it stands for. */
    samplingIntervalBytes: number;
    /** What the heap profile holds: objects sampled and still alive at the spill (after the full GC V8 runs before it answers). */
    heapProfile: 'live';
    /** The console's series over the last minute, one sample a second, oldest first. */
    series: LiveSample[];
    /** GC events over the last minute, oldest first. */
    gcEvents: GcEvent[];
  };
}

export function recordingPath(storeDirectory: string): string {
  return join(storeDirectory, RECORDING_FILE);
}

/** Replaces the spill atomically (a private temporary file renamed over it): a kill leaves the old one or the new one. */
export function writeRecording(storeDirectory: string, recording: Recording): void {
  const path = recordingPath(storeDirectory);
  const temporary = `${path}.partial`;
  writeFileSync(temporary, JSON.stringify(recording), { mode: 0o600 });
  renameSync(temporary, path);
}

/** The spill a dead process left, or undefined when there is none or it does not parse (it is then removed). */
export function readLeftRecording(storeDirectory: string): Recording | undefined {
  const path = recordingPath(storeDirectory);
  rmSync(`${path}.partial`, { force: true });
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const recording = JSON.parse(text) as Recording;
    if (recording.lastMoments?.version === 1 && typeof recording.head === 'object' && Array.isArray(recording.samples)) return recording;
  } catch {
    // Written whole or not at all by writeRecording: a file that does not parse is not ours.
  }
  rmSync(path, { force: true });
  return undefined;
}

export function removeRecording(storeDirectory: string): void {
  rmSync(recordingPath(storeDirectory), { force: true });
  rmSync(`${recordingPath(storeDirectory)}.partial`, { force: true });
}

/**
 * On the main thread: a process that ends through its exit handlers (a normal exit, process.exit, a
 * termination signal it leaves to Node) has not died, so its spill goes. Only a death that runs none of
 * them (SIGKILL, an OOM abort, a cgroup kill) leaves it for the next start.
 */
export function removeRecordingAtProcessEnd(config: { recorder: unknown; dumps: { storeDir: string | undefined } }): void {
  const { storeDir } = config.dumps;
  if (config.recorder !== undefined && storeDir !== undefined) cleanUpAtProcessEnd(() => removeRecording(storeDir));
}
