import { cpus, release, totalmem, type } from 'node:os';

/** One line on the machine the figures come from. */
export function describeMachine(): string {
  const cores = cpus();
  const model = cores[0]?.model.trim() || 'unknown CPU';
  return `${cores.length} cores (${model}), ${(totalmem() / 1024 ** 3).toFixed(0)} GiB of memory, ${type()} ${release()}, Node ${process.version}`;
}
