import { ConfigError } from '../errors.js';

/**
 * `eval`: a read-only REPL into the app's main thread, off unless the app opts in. Side effects need a
 * second opt-in here and a third in the request itself.
 */
export interface EvalOptions {
  /** Serve `POST {base}/eval` (scope `eval`). Default false: the path does not exist. */
  enabled?: boolean;
  /** Let a request ask for `"sideEffects": true`. Default false: V8 refuses anything that would change state. */
  allowSideEffects?: boolean;
  /** The longest `timeoutMs` a request may ask for, in milliseconds. Default 5000. */
  maxTimeoutMs?: number;
  /**
   * How much an evaluation may grow the process's resident memory before it is stopped
   * (EVALUATION_MEMORY), in bytes; less when the heap has less room (half what is left between its
   * committed size and its limit). Default 64 MiB. Worker and router mode; not through a sidecar.
   */
  memoryBudgetBytes?: number;
}

export interface ResolvedEvalConfig {
  enabled: boolean;
  allowSideEffects: boolean;
  maxTimeoutMs: number;
  memoryBudgetBytes: number;
}

const MAX_TIMEOUT_CEILING_MS = 60_000;
const DEFAULT_MEMORY_BUDGET_BYTES = 64 * 2 ** 20;
const MIN_MEMORY_BUDGET_BYTES = 2 ** 20;

export function resolveEvalOptions(value: EvalOptions | undefined): ResolvedEvalConfig {
  if (value === undefined) return { enabled: false, allowSideEffects: false, maxTimeoutMs: 5000, memoryBudgetBytes: DEFAULT_MEMORY_BUDGET_BYTES };
  if (typeof value !== 'object' || value === null) throw new ConfigError('EVAL_OPTIONS', '`eval` must be an object such as { enabled: true }.');
  for (const name of ['enabled', 'allowSideEffects'] as const) {
    if (value[name] !== undefined && typeof value[name] !== 'boolean') throw new ConfigError('EVAL_OPTIONS', `\`eval.${name}\` must be true or false.`);
  }
  const maxTimeoutMs = value.maxTimeoutMs ?? 5000;
  if (!Number.isSafeInteger(maxTimeoutMs) || maxTimeoutMs < 1 || maxTimeoutMs > MAX_TIMEOUT_CEILING_MS) {
    throw new ConfigError('EVAL_OPTIONS', `\`eval.maxTimeoutMs\` must be an integer from 1 to ${MAX_TIMEOUT_CEILING_MS}.`);
  }
  const memoryBudgetBytes = value.memoryBudgetBytes ?? DEFAULT_MEMORY_BUDGET_BYTES;
  if (!Number.isSafeInteger(memoryBudgetBytes) || memoryBudgetBytes < MIN_MEMORY_BUDGET_BYTES) {
    throw new ConfigError('EVAL_OPTIONS', `\`eval.memoryBudgetBytes\` must be an integer of at least ${MIN_MEMORY_BUDGET_BYTES} (1 MiB).`);
  }
  return { enabled: value.enabled === true, allowSideEffects: value.allowSideEffects === true, maxTimeoutMs, memoryBudgetBytes };
}
