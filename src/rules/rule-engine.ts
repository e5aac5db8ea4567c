import { contained } from '../contained.js';
import { MaintenanceError } from '../errors.js';
import type { AuditLogger } from '../log/audit-logger.js';
import type { ArtifactLimits } from '../operations/artifacts/artifact-kind.js';
import type { S3Destination } from '../options/egress-options.js';
import type { ResolvedRule, RuleCondition } from '../options/rules-options.js';
import type { ArtifactRequest, JobStatus } from '../scheduling/dump-job.js';
import type { DumpScheduler } from '../scheduling/dump-scheduler.js';
import { checkRules } from './rule-actions.js';
import { ConditionReader, FAST_READ_MS, SLOW_READ_MS, watchingPlace, type ConditionSources } from './rule-conditions.js';
import { RuleStateStore } from './rule-state.js';

/** A rule as `GET /rules` shows it: what it watches and does, and what it has done. */
export interface RuleStatus {
  name: string;
  when: RuleCondition;
  /** Each action's kind, its parameters with their defaults, and the name of the destination it uploads to (never the destination itself: it holds credentials). */
  do: Array<{ kind: ArtifactRequest['kind']; params: Record<string, unknown>; egress?: string }>;
  limit: { count: number; perSeconds: number };
  cooldownSeconds: number;
  /** The condition's figure at the last reading (percent, ms, or the leak verdict); null before the first. */
  lastReading: number | string | null;
  /** How long the condition has held, for one with `forSeconds`. */
  heldSeconds: number | null;
  lastFiredAt: string | null;
  firedInWindow: number;
  firedTotal: number;
  /** Stretches of the condition (a stall, a climb past the threshold) its limit or cooldown held back since this process started. */
  suppressed: number;
  /** When it may fire again (now, when null and under its limit). */
  nextPossibleAt: string | null;
  /** The dumps of its latest firings, newest last, with their state in the store (`gone` once evicted). */
  artifacts: Array<{ id: string; kind: string | null; status: JobStatus | 'gone' }>;
}

export interface RuleEngineOptions {
  rules: readonly ResolvedRule[];
  sources: ConditionSources;
  dumps: DumpScheduler;
  log: AuditLogger;
  limits: ArtifactLimits;
  /** The `egress` option's destinations, which an action may name. */
  destinations: Readonly<Record<string, S3Destination>>;
  /** The endpoint's own operations holding the app's main thread now (OperationRegistry.holdingMainThread). */
  holdingMainThread?: () => readonly string[];
}

interface Watch {
  rule: ResolvedRule;
  requests: ArtifactRequest[];
  /** Since when a sustained condition has held without a break, ms since the epoch. */
  heldSince: number | undefined;
  lastReading: number | string | null;
  /** The stall a blocked-loop rule last fired for: one stall, one firing. */
  firedEpisode: number | undefined;
  /** The limit held this stretch of the condition back already: counted and logged once per stretch. */
  heldBack: boolean;
}

/**
 * Collection rules: reads each rule's condition on the serving thread (in worker mode while the app's
 * loop is stuck, since it reads shared memory and the process's own counters, never asks the main
 * thread), and when it holds, within the rule's limit and cooldown, schedules its actions into the
 * dump store at once, as `trigger: { type: "rule", name }`. Every firing is audited.
 */
export class RuleEngine {
  readonly #watches: Watch[];
  readonly #dumps: DumpScheduler;
  readonly #log: AuditLogger;
  readonly #reader: ConditionReader | undefined;
  readonly #state: RuleStateStore;
  readonly #timer: NodeJS.Timeout | undefined;
  readonly #holdingMainThread: () => readonly string[];
  #lastSlowReadAt = 0;

  /** Throws a ConfigError naming the option's path when a rule cannot work on this target. */
  constructor({ rules, sources, dumps, log, limits, destinations, holdingMainThread = () => [] }: RuleEngineOptions) {
    const requests = checkRules(rules, watchingPlace(sources, rules), limits, destinations);
    this.#watches = rules.map((rule) => ({ rule, requests: requests.get(rule.name)!, heldSince: undefined, lastReading: null, firedEpisode: undefined, heldBack: false }));
    this.#dumps = dumps;
    this.#log = log;
    this.#holdingMainThread = holdingMainThread;
    this.#state = new RuleStateStore(dumps.store.persistent ? dumps.store.directory : undefined, (what, error) =>
      what === 'read'
        ? log.warn('rules: the saved firing state cannot be read; the rules start afresh', { error: error.message })
        : log.warn('rules: the firing state cannot be saved; it holds until this process ends', { error: error.message }),
    );
    if (rules.length === 0) return;
    this.#reader = new ConditionReader(sources, rules.map((rule) => rule.when));
    const fast = rules.some((rule) => rule.when.type === 'loopBlockedMs');
    this.#timer = setInterval(contained('the collection rules', () => this.#check()), fast ? FAST_READ_MS : SLOW_READ_MS).unref();
  }

  /** The memory limit rssPercentOfLimit reads against, for the index of rules. */
  get memoryBudgetBytes(): number | undefined {
    return this.#reader?.memoryBudgetBytes;
  }

  list(now = Date.now()): RuleStatus[] {
    return this.#watches.map(({ rule, requests, heldSince, lastReading }) => {
      const record = this.#state.get(rule.name);
      const inWindow = record.firedAt.filter((time) => time > now - rule.limit.perSeconds * 1000);
      const next = nextPossibleAt(rule, record.firedAt.at(-1), inWindow, now);
      return {
        name: rule.name,
        when: rule.when,
        do: requests.map(({ kind, params, egress }) => ({ kind, params, ...(egress !== undefined && { egress: egress.name }) })),
        limit: rule.limit,
        cooldownSeconds: rule.cooldownSeconds,
        lastReading,
        heldSeconds: heldSince === undefined ? null : Math.round((now - heldSince) / 100) / 10,
        lastFiredAt: record.firedAt.length === 0 ? null : new Date(record.firedAt.at(-1)!).toISOString(),
        firedInWindow: inWindow.length,
        firedTotal: record.total,
        suppressed: record.suppressed,
        nextPossibleAt: next === undefined ? null : new Date(next).toISOString(),
        artifacts: record.artifacts.map((id) => {
          const job = this.#dumps.get(id);
          return { id, kind: job?.kind ?? null, status: job?.status ?? 'gone' };
        }),
      };
    });
  }

  close(): void {
    clearInterval(this.#timer);
  }

  #check(): void {
    const now = Date.now();
    const slow = now - this.#lastSlowReadAt >= SLOW_READ_MS;
    if (slow) {
      this.#lastSlowReadAt = now;
      this.#reader!.sampleCpu();
    }
    for (const watch of this.#watches) {
      if (watch.rule.when.type !== 'loopBlockedMs' && !slow) continue;
      const reading = this.#reader!.read(watch.rule.name, watch.rule.when, now);
      watch.lastReading = reading.value;
      if (!reading.holds) {
        watch.heldSince = undefined;
        watch.heldBack = false;
        continue;
      }
      watch.heldSince ??= now;
      const { when } = watch.rule;
      if ('forSeconds' in when && now - watch.heldSince < when.forSeconds * 1000) continue;
      if (reading.episode !== undefined) {
        if (watch.firedEpisode === reading.episode) continue;
        watch.firedEpisode = reading.episode;
        // A stall noticed while the endpoint's own snapshot, GC or evaluation holds the loop is of the endpoint's
        // making (a rule's own snapshot among them): firing on it would blame the app, and take more of its time.
        const own = this.#holdingMainThread();
        if (own.length > 0) {
          this.#log.info("rule held, not fired: the endpoint's own operation held the loop", { rule: watch.rule.name, [watch.rule.when.type]: reading.value, operations: own });
          continue;
        }
      }
      this.#fire(watch, reading.value, now);
    }
  }

  #fire(watch: Watch, value: number | string | null, now: number): void {
    const { rule } = watch;
    const record = this.#state.get(rule.name);
    const inWindow = record.firedAt.filter((time) => time > now - rule.limit.perSeconds * 1000);
    const next = nextPossibleAt(rule, record.firedAt.at(-1), inWindow, now);
    if (next !== undefined) {
      // Once per stretch of the condition (one stall, one climb past the threshold), not at every reading.
      if (!watch.heldBack) {
        watch.heldBack = true;
        record.suppressed += 1;
        this.#log.info('rule held, not fired: limited', { rule: rule.name, [rule.when.type]: value, nextPossibleAt: new Date(next).toISOString() });
      }
      return;
    }
    // A condition held for a time must hold that long again before the rule fires again.
    if ('forSeconds' in rule.when) watch.heldSince = now;
    const artifacts: string[] = [];
    const refused: string[] = [];
    for (const request of watch.requests) {
      try {
        artifacts.push(this.#dumps.schedule(request, { type: 'rule', name: rule.name }).id);
      } catch (error) {
        refused.push(`${request.kind}: ${error instanceof MaintenanceError ? error.message : (error as Error).message}`);
      }
    }
    this.#state.fired(rule.name, now, rule.limit.perSeconds * 1000, artifacts);
    this.#log.info('rule fired', { rule: rule.name, [rule.when.type]: value, artifacts, ...(refused.length > 0 && { refused }) });
  }
}

/** When a rule may fire again: after its cooldown, and once its window holds fewer than `count` firings. Undefined: now. */
function nextPossibleAt(rule: ResolvedRule, lastFiredAt: number | undefined, inWindow: readonly number[], now: number): number | undefined {
  const afterCooldown = lastFiredAt === undefined ? now : lastFiredAt + rule.cooldownSeconds * 1000;
  const windowFull = inWindow.length >= rule.limit.count ? inWindow[inWindow.length - rule.limit.count]! + rule.limit.perSeconds * 1000 : now;
  const next = Math.max(afterCooldown, windowFull);
  return next > now ? next : undefined;
}
