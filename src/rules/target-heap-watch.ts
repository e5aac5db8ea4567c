import { heapUsage } from '../operations/heap-usage.js';
import { evaluate } from '../targets/protocol.js';
import type { CdpTarget } from '../targets/target.js';
import { BackgroundQuestion } from './background-question.js';

/**
 * The heap in use of a target without a probe (a sidecar's), in percent of V8's heap limit, read through
 * its inspector. `Runtime.getHeapUsage` is answered by the inspector in C++, allocating nothing on the
 * target's JavaScript heap; the limit is asked once per connection (one evaluation: a restarted target
 * may have another).
 */
export class TargetHeapWatch {
  #limit: number | undefined;
  readonly #question: BackgroundQuestion<number>;

  constructor(target: CdpTarget) {
    this.#question = new BackgroundQuestion(async () => {
      this.#limit ??= await evaluate<number>(target, 'Reading the heap limit', "require('node:v8').getHeapStatistics().heap_size_limit", { commandLineApi: true });
      const { usedSize } = await heapUsage(target);
      return (usedSize / this.#limit) * 100;
    });
    target.on('Inspector.detached', () => {
      this.#limit = undefined;
      this.#question.forget();
    });
  }

  /** The last answer, asking again in the background; undefined before the first. */
  percent(): number | undefined {
    return this.#question.latest();
  }
}
