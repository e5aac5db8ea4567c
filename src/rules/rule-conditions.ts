import { ConfigError } from '../errors.js';
import { isHttpCondition, type ResolvedRule, type RuleCondition } from '../options/rules-options.js';
import { recentResponses, type HttpWatchHandle } from '../probe/http-watch.js';
import { readMemoryBudget } from '../probe/memory-limit.js';
import type { ProbeView } from '../probe/probe-view.js';
import { CLOCK_TICKS_PER_SECOND, readProcessCounters } from '../process/process-counters.js';
import type { TargetProcess } from '../targets/target-process.js';
import type { CdpTarget } from '../targets/target.js';
import { TargetHeapWatch } from './target-heap-watch.js';
import { TargetLoopWatch } from './target-loop-watch.js';

/** What a sidecar knows of the process it serves from outside it. */
export interface OutsideView {
  /** The target in this host's /proc, or why it cannot be read there; looked for only when a rule reads it. */
  process?: TargetProcess;
  /** Whether the target counts its event loop's turns, which a blocked loop is read from. */
  loopTurns: boolean;
}

/**
 * What a condition reads: the probe's shared memory, this process's own counters, the leak verdict; for
 * a sidecar, the target's heap and loop through its inspector and its counters in /proc.
 */
export interface ConditionSources {
  target: CdpTarget;
  probe: ProbeView | undefined;
  memoryLimit: number | undefined;
  leakWindowSeconds: number;
  /** The app's HTTP responses the rules count, where the app's thread watches them (none for a sidecar). */
  http: HttpWatchHandle | undefined;
  /** Set for a sidecar: the endpoint runs outside the target. */
  outside?: OutsideView | undefined;
}

/** A condition's reading now: whether it holds, the figure it looked at, and (a blocked loop) which episode. */
export interface Reading {
  holds: boolean;
  value: number | string | null;
  /** The same stall read twice is one episode: a rule fires once for it. */
  episode?: number;
}

/** How often each kind of condition is read: a stall within a tenth of a second, the rest once a second. */
export const FAST_READ_MS = 100;
export const SLOW_READ_MS = 1000;
/** The leak verdict is a computation over the GC history, not a read: every ten seconds is enough. */
const LEAK_READ_MS = 10_000;

/** Where the endpoint runs, as far as conditions care. */
export interface WatchingPlace {
  /** The endpoint serves from off the app's main thread (worker mode). */
  offMainThread: boolean;
  /** A main-thread probe runs in the target. */
  probe: boolean;
  /** The endpoint runs inside the inspected process, whose own counters it can read. */
  ownProcess: boolean;
  /** The app's thread watches its HTTP responses for the rules (worker and router modes). */
  http: boolean;
  /** A sidecar's view of its target, from outside it. */
  outside?: OutsideView | undefined;
}

/** Where a ConditionReader's sources put the endpoint. */
export function watchingPlace(sources: ConditionSources, rules: readonly ResolvedRule[]): WatchingPlace {
  return {
    offMainThread: !sources.target.capabilities.sameThread,
    probe: sources.probe !== undefined,
    ownProcess: sources.target.capabilities.sharedFileSystem,
    http: sources.http !== undefined || !rules.some((rule) => isHttpCondition(rule.when)),
    outside: sources.outside,
  };
}

/**
 * Refuses, at start, a condition that cannot be watched from where the endpoint runs, naming the
 * rule's path: a blocked loop can only be seen (and its stack taken) from off the main thread; the
 * probe's figures need a probe; the process's own counters need the endpoint inside it, or a sidecar
 * that finds its target in this host's /proc.
 */
export function assertWatchable(rules: readonly ResolvedRule[], place: WatchingPlace): void {
  const { outside } = place;
  rules.forEach((rule, index) => {
    const path = `rules[${index}].when.${rule.when.type}`;
    const { type } = rule.when;
    if (type === 'loopBlockedMs' && !(place.offMainThread && place.probe) && outside?.loopTurns !== true) {
      throw new ConfigError(
        'INVALID_OPTIONS',
        outside === undefined
          ? `\`${path}\` needs the endpoint off the app's main thread with its probe (startMaintenanceServer): in router mode the rule would run on the blocked thread itself.`
          : `\`${path}\` reads the target's count of event-loop turns (performance.nodeTiming.uvMetricsInfo, Node 20.18, 22.8 and later), which this target does not have.`,
      );
    }
    if (type === 'heapPercentOfLimit' && !place.probe && outside === undefined) {
      throw new ConfigError('INVALID_OPTIONS', `\`${path}\` needs the main-thread probe, which this target does not run.`);
    }
    if ((type === 'elu' || type === 'loopDelayP99Ms' || type === 'leak') && !place.probe) {
      throw new ConfigError('INVALID_OPTIONS', `\`${path}\` needs the main-thread probe, which a sidecar's target does not run: a sidecar has no probe in the target (startMaintenanceServer or maintenanceRouter runs one).`);
    }
    if ((type === 'rssPercentOfLimit' || type === 'cpuPercent') && !place.ownProcess) {
      if (outside === undefined) {
        throw new ConfigError('INVALID_OPTIONS', `\`${path}\` reads the process's own counters: it needs the endpoint inside the process (startMaintenanceServer or maintenanceRouter).`);
      }
      if (outside.process === undefined || 'unreadable' in outside.process) throw new ConfigError('INVALID_OPTIONS', `\`${path}\` reads the target's counters in /proc, which this sidecar cannot: ${outside.process?.unreadable ?? 'it was not looked for'}.`);
    }
    if (isHttpCondition(rule.when) && !place.http) {
      throw new ConfigError(
        'INVALID_OPTIONS',
        outside === undefined
          ? `\`${path}\` counts the app's own HTTP responses, watched on its thread: it needs the endpoint inside the process (startMaintenanceServer or maintenanceRouter).`
          : `\`${path}\` counts the app's own HTTP responses, watched on its thread: a sidecar has no HTTP watch in the target (startMaintenanceServer or maintenanceRouter).`,
      );
    }
  });
}

/** Reads conditions; keeps what a reading needs from one to the next (CPU time, the last leak verdict). */
export class ConditionReader {
  readonly #sources: ConditionSources;
  /** The process whose counters are read: this one, or a sidecar's target found in /proc. */
  readonly #counted: { pid: number; startTicks: number } | 'self' | undefined;
  #cpu: { at: number; seconds: number | undefined };
  #cpuPercent: number | undefined = 0;
  #leak: { at: number; verdict: string } = { at: 0, verdict: 'insufficient-data' };
  readonly #memoryBudget: number | undefined;
  /** A sidecar's target's heap and loop, read through its inspector (there is no probe to read them from). */
  readonly #heap: TargetHeapWatch | undefined;
  readonly #loop: TargetLoopWatch | undefined;

  constructor(sources: ConditionSources, conditions: readonly RuleCondition[]) {
    this.#sources = sources;
    const located = sources.outside?.process;
    this.#counted = sources.outside === undefined ? 'self' : located !== undefined && 'pid' in located ? located : undefined;
    this.#cpu = { at: performance.now(), seconds: this.#cpuSeconds() };
    const pid = typeof this.#counted === 'object' ? { pid: this.#counted.pid } : {};
    this.#memoryBudget = conditions.some((condition) => condition.type === 'rssPercentOfLimit') ? readMemoryBudget({ memoryLimit: sources.memoryLimit, ...pid }).limitBytes : undefined;
    const outside = sources.probe === undefined && sources.outside !== undefined;
    this.#heap = outside && conditions.some((condition) => condition.type === 'heapPercentOfLimit') ? new TargetHeapWatch(sources.target) : undefined;
    this.#loop = outside && conditions.some((condition) => condition.type === 'loopBlockedMs') ? new TargetLoopWatch(sources.target) : undefined;
  }

  /** The memory limit rssPercentOfLimit reads against: `memoryLimit`, else the cgroup's, else physical memory. */
  get memoryBudgetBytes(): number | undefined {
    return this.#memoryBudget;
  }

  /** Once a second, before the slow conditions are read: the process's CPU share over the last second. */
  sampleCpu(): void {
    const now = performance.now();
    const seconds = this.#cpuSeconds();
    const elapsedSeconds = (now - this.#cpu.at) / 1000;
    if (elapsedSeconds > 0) this.#cpuPercent = seconds === undefined || this.#cpu.seconds === undefined ? undefined : ((seconds - this.#cpu.seconds) / elapsedSeconds) * 100;
    this.#cpu = { at: now, seconds };
  }

  /** CPU seconds of the counted process so far (all its threads), or undefined where they cannot be read. */
  #cpuSeconds(): number | undefined {
    if (this.#counted === 'self') {
      const usage = process.cpuUsage();
      return (usage.user + usage.system) / 1e6;
    }
    const counters = this.#targetCounters();
    return counters === undefined ? undefined : counters.cpuTicks / CLOCK_TICKS_PER_SECOND;
  }

  /** The sidecar's target's counters, while its pid still names the process that was found at start. */
  #targetCounters() {
    if (typeof this.#counted !== 'object') return undefined;
    const counters = readProcessCounters(this.#counted.pid);
    return counters?.startTicks === this.#counted.startTicks ? counters : undefined;
  }

  #rssBytes(): number | undefined {
    return this.#counted === 'self' ? process.memoryUsage.rss() : this.#targetCounters()?.rssBytes;
  }

  /** `name`: the rule's, for the conditions kept per rule (the HTTP responses it counts). */
  read(name: string, condition: RuleCondition, now: number): Reading {
    const probe = this.#sources.probe;
    switch (condition.type) {
      case 'loopBlockedMs': {
        if (this.#loop !== undefined) {
          const blocked = this.#loop.blocked();
          if (blocked === undefined) return { holds: false, value: null };
          return { holds: blocked.ms >= condition.threshold, value: Math.round(blocked.ms), episode: blocked.turns };
        }
        // 'as-is' asks nothing of the main thread: the heartbeat is what its last tick published.
        // The probe ticks once an interval: the loop is known blocked only for as long as its next tick is
        // overdue, a lower bound of the stall (it may have begun up to an interval earlier), never an idle loop.
        const { heartbeatAt, intervalMs } = probe!.reader.figures('as-is');
        const overdueMs = Math.max(0, now - heartbeatAt - intervalMs);
        return { holds: overdueMs >= condition.threshold, value: Math.round(overdueMs), episode: heartbeatAt };
      }
      case 'heapPercentOfLimit': {
        if (this.#heap !== undefined) {
          const percent = this.#heap.percent();
          return percent === undefined ? { holds: false, value: null } : { holds: percent >= condition.threshold, value: round(percent) };
        }
        const figures = probe!.reader.figures('live');
        const percent = figures.heapLimit > 0 ? (figures.heapUsed / figures.heapLimit) * 100 : 0;
        return { holds: percent >= condition.threshold, value: round(percent) };
      }
      case 'rssPercentOfLimit': {
        const rss = this.#rssBytes();
        if (this.#memoryBudget === undefined || rss === undefined) return { holds: false, value: null };
        const percent = (rss / this.#memoryBudget) * 100;
        return { holds: percent >= condition.threshold, value: round(percent) };
      }
      case 'elu': {
        const elu = probe!.reader.figures('live').eventLoopUtilization;
        return { holds: elu >= condition.threshold, value: round(elu) };
      }
      case 'loopDelayP99Ms': {
        const p99Ms = probe!.reader.figures('live').eventLoopDelay.p99 * 1000;
        return { holds: p99Ms >= condition.threshold, value: round(p99Ms) };
      }
      case 'cpuPercent':
        if (this.#cpuPercent === undefined) return { holds: false, value: null };
        return { holds: this.#cpuPercent >= condition.threshold, value: round(this.#cpuPercent) };
      case 'httpSlowerThanMs':
      case 'httpStatus': {
        const recent = recentResponses(this.#sources.http!, name, condition.withinSeconds * 1000, now);
        return { holds: recent >= condition.count, value: recent };
      }
      case 'leak': {
        if (now - this.#leak.at >= LEAK_READ_MS) this.#leak = { at: now, verdict: probe!.leaks.verdict({ windowSeconds: this.#sources.leakWindowSeconds }, now).verdict };
        return { holds: this.#leak.verdict === 'leak', value: this.#leak.verdict };
      }
    }
  }
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
